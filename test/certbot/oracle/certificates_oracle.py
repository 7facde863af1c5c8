# `certbot certificates`, lineage by lineage, with certbot's own code (cert_manager.certificates and
# human_readable_cert_info). Used when the certbot command itself crashes: certbot 2.1 stops for every lineage when one
# conf lacks [renewalparams] (KeyError in human_readable_cert_info). Reads {"config_dir", "work_dir", "logs_dir"} on
# stdin; answers {"listed": {conf: text}, "invalid": {conf: error}, "crashed": {conf: error}}.
import json
import sys

from certbot import crypto_util
from certbot._internal import cert_manager, cli, storage
from certbot._internal.plugins import disco as plugins_disco
from certbot import configuration


def main():
    request = json.load(sys.stdin)
    plugins = plugins_disco.PluginsRegistry.find_all()
    args = cli.prepare_and_parse_args(plugins, [
        "certificates", "--config-dir", request["config_dir"], "--work-dir", request["work_dir"],
        "--logs-dir", request["logs_dir"], "--non-interactive"])
    config = configuration.NamespaceConfig(args)
    answer = {"listed": {}, "invalid": {}, "crashed": {}}
    for renewal_file in storage.renewal_conf_files(config):
        try:
            candidate = storage.RenewableCert(renewal_file, config)
            crypto_util.verify_renewable_cert(candidate)
        except Exception as error:  # as cert_manager.certificates
            answer["invalid"][renewal_file] = str(error)
            continue
        try:
            answer["listed"][renewal_file] = cert_manager.human_readable_cert_info(config, candidate)
        except Exception as error:  # the command would have stopped here for every lineage
            answer["crashed"][renewal_file] = "%s: %s" % (type(error).__name__, error)
    json.dump(answer, sys.stdout)


main()
