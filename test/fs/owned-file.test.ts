// markOwned and classifyOwnership on plain strings: ngcert's own unedited file, one edited by a byte, one it never
// wrote; a shebang stays the first line.
import { describe, expect, it } from "vitest";
import { classifyOwnership, markOwned } from "../../src/fs/owned-file.js";

// sha256 of the exact bodies below, computed once with `printf ... | sha256sum`.
const BODY = "server {\n    listen 80;\n}\n";
const BODY_SHA = "120baf677b4211aa1a6eb781aa8169bf345b44824089480930ce7808506477b6";
const SCRIPT = "#!/bin/sh\nexec ngcert hook deploy\n";
const SCRIPT_SHA = "6a5b42e222a6547659ff3dfd00439f99ba1728b7e92cc254e086438a16109a86";

describe("markOwned", () => {
  it("puts the ownership line with the body's sha256 first", () => {
    expect(markOwned(BODY)).toBe(`# ngcert-owned sha256:${BODY_SHA}\n${BODY}`);
  });

  it("keeps a shebang first, the ownership line right after it, hashing the whole original text", () => {
    expect(markOwned(SCRIPT)).toBe(`#!/bin/sh\n# ngcert-owned sha256:${SCRIPT_SHA}\nexec ngcert hook deploy\n`);
  });

  it("keeps a shebang first even when the file is only the shebang line without a newline", () => {
    expect(markOwned("#!/bin/sh").startsWith("#!/bin/sh\n# ngcert-owned sha256:")).toBe(true);
  });
});

describe("classifyOwnership", () => {
  it("recognises its own unedited file, with or without a shebang", () => {
    expect(classifyOwnership(markOwned(BODY))).toBe("ours");
    expect(classifyOwnership(markOwned(SCRIPT))).toBe("ours");
    expect(classifyOwnership(markOwned(""))).toBe("ours");
  });

  it("calls a file with one byte changed edited", () => {
    const marked = markOwned(BODY);
    expect(classifyOwnership(marked.replace("listen 80;", "listen 81;"))).toBe("edited");
    expect(classifyOwnership(`${marked}\n`)).toBe("edited");
    expect(classifyOwnership(markOwned(SCRIPT).replace("deploy", "deplox"))).toBe("edited");
  });

  it("calls a file whose hash was changed edited", () => {
    expect(classifyOwnership(markOwned(BODY).replace(BODY_SHA, "0".repeat(64)))).toBe("edited");
  });

  it("calls a file without the ownership line foreign", () => {
    expect(classifyOwnership(BODY)).toBe("foreign");
    expect(classifyOwnership("")).toBe("foreign");
    expect(classifyOwnership(`# ngcert-owned sha256:${"A".repeat(64)}\n${BODY}`)).toBe("foreign");
    expect(classifyOwnership(`# ngcert-owned sha256:${BODY_SHA.slice(1)}\n${BODY}`)).toBe("foreign");
  });
});
