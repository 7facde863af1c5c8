# The oracle for renewal confs: configobj itself, as certbot calls it. Reads one JSON request on stdin, answers one
# JSON document on stdout. Run with the Python interpreter that runs certbot (see test/helpers/certbot-python.ts).
#
#   {"op": "write", "cases": [{"id", "file", "root": {...}, "renewalparams": {...}, "webroot_map": {...}}]}
#       writes each file the way certbot's storage.write_renewal_config does; answers {"id": {"ok": true} | {"error"}}
#   {"op": "paths", "files": [{"id", "file"}]}
#       where each conf points: its cert/privkey/chain/fullchain as configobj reads them, as far as it can read the
#       file at all (the partial result of a parse error; bytes that are not UTF-8 replaced); answers {"id": {kind: path}}
#   {"op": "read", "files": [{"id", "file"}]}
#       parses each file with ConfigObj(file, encoding='utf-8', default_encoding='utf-8') and answers the raw tree and
#       every root and [renewalparams] scalar as certbot reads it (interpolated), or the error configobj raises.
import os
import json
import sys

import configobj


def write(case):
    config = configobj.ConfigObj(encoding="utf-8", default_encoding="utf-8")
    try:
        for key, value in case["root"].items():
            config[key] = value
        config["renewalparams"] = {}
        config.comments["renewalparams"] = ["", "Options used in the renewal process"]
        for key, value in case["renewalparams"].items():
            config["renewalparams"][key] = value
        if case.get("webroot_map") is not None:
            config["renewalparams"]["webroot_map"] = case["webroot_map"]
        config.initial_comment = ["renew_before_expiry = 30 days"]
        with open(case["file"], "wb") as handle:
            config.write(outfile=handle)
        return {"ok": True}
    except Exception as error:  # configobj refuses values it cannot quote: certbot could not write them either
        return {"error": "%s: %s" % (type(error).__name__, error)}


def tree(section):
    return {
        "values": [[key, dict.__getitem__(section, key)] for key in section.scalars],
        "sections": [[name, tree(dict.__getitem__(section, name))] for name in section.sections],
    }


def read_scalars(section):
    out = []
    for key in section.scalars:
        try:
            out.append([key, {"value": section[key]}])
        except Exception as error:
            out.append([key, {"error": "%s: %s" % (type(error).__name__, error)}])
    return out


def read(entry):
    try:
        config = configobj.ConfigObj(entry["file"], encoding="utf-8", default_encoding="utf-8")
    except Exception as error:
        return {"error": "%s: %s" % (type(error).__name__, error)}
    answer = {"tree": tree(config), "root": read_scalars(config)}
    if "renewalparams" in config.sections:
        answer["renewalparams"] = read_scalars(dict.__getitem__(config, "renewalparams"))
    return answer


def paths(entry):
    # As ConfigObj(file) reads a file: split at b"\n" only, a UTF-8 BOM dropped; undecodable bytes replaced here.
    # ConfigObj reads only what os.path.isfile accepts (not a FIFO, not a device): anything else is an empty conf.
    if not os.path.isfile(entry["file"]):
        return {}
    try:
        with open(entry["file"], "rb") as handle:
            data = handle.read()
    except OSError:
        return {}
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = [line.decode("utf-8", "replace") for line in data.split(b"\n")]
    try:
        config = configobj.ConfigObj(lines)
    except configobj.ConfigObjError as error:
        config = error.config
    found = {}
    for kind in ("cert", "privkey", "chain", "fullchain"):
        if kind not in config.scalars:
            continue
        try:
            value = config[kind]
        except Exception:
            value = dict.__getitem__(config, kind)
        if isinstance(value, str):
            found[kind] = value
    return found


def main():
    request = json.load(sys.stdin)
    if request["op"] == "write":
        answer = {case["id"]: write(case) for case in request["cases"]}
    elif request["op"] == "paths":
        answer = {entry["id"]: paths(entry) for entry in request["files"]}
    else:
        answer = {entry["id"]: read(entry) for entry in request["files"]}
    json.dump(answer, sys.stdout)


main()
