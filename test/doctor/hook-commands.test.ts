// What a renewal hook does to nginx, in the spellings real renewal confs use, and when removing it loses nothing.
import { describe, expect, it } from "vitest";
import { analyzeHook, interruptsNginx } from "../../src/certbot/hook-commands.js";

describe("analyzeHook", () => {
  it.each([
    ["systemctl stop nginx", ["stop"], true],
    ["systemctl stop nginx.service", ["stop"], true],
    ["sudo systemctl restart nginx", ["restart"], true],
    ["service nginx stop", ["stop"], true],
    ["service nginx start", ["start"], true],
    ["/etc/init.d/nginx stop", ["stop"], true],
    ["invoke-rc.d nginx restart", ["restart"], true],
    ["rc-service nginx stop", ["stop"], true],
    ["nginx -s stop", ["stop"], true],
    ["/usr/sbin/nginx -c /etc/nginx/nginx.conf -s quit", ["stop"], true],
    ["/usr/sbin/nginx -c /etc/nginx/nginx.conf", ["start"], true],
    ["nginx -s reload", ["reload"], true],
    ["systemctl reload nginx", ["reload"], true],
    ["killall nginx", ["stop"], true],
    ["docker stop nginx", ["stop"], true],
    ["docker compose restart nginx", ["restart"], true],
    ["systemctl stop nginx && systemctl stop apache2", ["stop"], false],
    ["service nginx stop; /usr/local/bin/notify", ["stop"], false],
    ["systemctl stop apache2", [], false],
    ["nginx -t", [], false],
    ["cp $RENEWED_LINEAGE/fullchain.pem /srv/app/", [], false],
  ])("%s", (command, actions, onlyNginx) => {
    expect(analyzeHook(command)).toEqual({ actions, onlyNginx });
  });

  it("counts stops and restarts as taking nginx down, reloads and starts not", () => {
    expect(interruptsNginx(analyzeHook("service nginx stop"))).toBe(true);
    expect(interruptsNginx(analyzeHook("systemctl restart nginx"))).toBe(true);
    expect(interruptsNginx(analyzeHook("systemctl reload nginx"))).toBe(false);
    expect(interruptsNginx(analyzeHook("service nginx start"))).toBe(false);
  });
});
