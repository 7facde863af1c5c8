// splitCommand: a command string becomes program + arguments with shell-like quoting, and never passes through a shell.
import { describe, expect, it } from "vitest";
import { NgcertError } from "../../src/errors.js";
import { splitCommand } from "../../src/settings/split-command.js";

const split = (text: string): string[] => splitCommand(text, "--reload-cmd");

describe("splitCommand", () => {
  it("splits on any run of whitespace", () => {
    expect(split("nginx -s reload")).toEqual(["nginx", "-s", "reload"]);
    expect(split("\t nginx \t -s\n reload  ")).toEqual(["nginx", "-s", "reload"]);
  });

  it("keeps quoted text as one word, and joins quoted and bare parts of a word", () => {
    expect(split(`docker exec "edge proxy" nginx -s reload`)).toEqual(["docker", "exec", "edge proxy", "nginx", "-s", "reload"]);
    expect(split(`sh -c 'nginx -t && nginx -s reload'`)).toEqual(["sh", "-c", "nginx -t && nginx -s reload"]);
    expect(split(`--conf="/etc/my nginx/nginx.conf"`)).toEqual(["--conf=/etc/my nginx/nginx.conf"]);
    expect(split(`a'b c'"d e"f`)).toEqual(["ab cd ef"]);
  });

  it("keeps empty quoted arguments", () => {
    expect(split(`prog "" ''`)).toEqual(["prog", "", ""]);
  });

  it("treats the other quote, $ and ; literally inside quotes", () => {
    expect(split(`echo "it's" '"quoted"'`)).toEqual(["echo", "it's", `"quoted"`]);
    expect(split(`echo '$HOME; rm -rf /'`)).toEqual(["echo", "$HOME; rm -rf /"]);
  });

  it("unescapes backslashes outside quotes, and only \\\" and \\\\ inside double quotes", () => {
    expect(split(String.raw`my\ prog a\"b`)).toEqual(["my prog", `a"b`]);
    expect(split(String.raw`echo "a\"b" "c\\d" "e\nf"`)).toEqual(["echo", `a"b`, String.raw`c\d`, String.raw`e\nf`]);
    expect(split(String.raw`echo 'a\b'`)).toEqual(["echo", String.raw`a\b`]);
  });

  it("does not run or expand anything: shell syntax stays literal text", () => {
    expect(split("nginx -s reload; reboot")).toEqual(["nginx", "-s", "reload;", "reboot"]);
    expect(split("echo $(id) `id` | cat")).toEqual(["echo", "$(id)", "`id`", "|", "cat"]);
  });

  it("refuses an unclosed quote and an empty command, naming the setting", () => {
    expect(() => split(`sh -c "nginx -s reload`)).toThrow(new NgcertError("INVALID_INPUT", '--reload-cmd `sh -c "nginx -s reload` has an unclosed " quote'));
    expect(() => split("echo 'a")).toThrow("--reload-cmd `echo 'a` has an unclosed ' quote");
    expect(() => split("")).toThrow("--reload-cmd is empty: give a program and its arguments");
    expect(() => split("  \t ")).toThrow("--reload-cmd is empty: give a program and its arguments");
  });
});
