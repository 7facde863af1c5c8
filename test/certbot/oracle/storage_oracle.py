# certbot's own storage code, for changes its 2.1 command line cannot make: renaming a lineage
# (storage.rename_renewal_config, what `certbot rename` did and cert_manager.rename_lineage still does: the renewal
# conf moves, live/ and archive/ stay). Reads {"op": "rename", "config_dir", "work_dir", "logs_dir", "from", "to"}.
import json
import sys

from certbot import configuration
from certbot._internal import cli, storage
from certbot._internal.plugins import disco as plugins_disco


def main():
    request = json.load(sys.stdin)
    plugins = plugins_disco.PluginsRegistry.find_all()
    args = cli.prepare_and_parse_args(plugins, [
        "certificates", "--config-dir", request["config_dir"], "--work-dir", request["work_dir"],
        "--logs-dir", request["logs_dir"], "--non-interactive"])
    config = configuration.NamespaceConfig(args)
    if request["op"] == "rename":
        storage.rename_renewal_config(request["from"], request["to"], config)
    json.dump({"ok": True}, sys.stdout)


main()
