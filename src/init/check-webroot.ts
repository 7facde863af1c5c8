// The shared webroot answers challenges for every domain on this server: whoever can write into it, or replace it or
// a directory above it, can get certificates issued for those domains. Warns when anyone but root (or this user)
// could.
import { lstatSync } from "node:fs";
import path from "node:path";

export interface WebrootCheck {
  exists: boolean;
  isDirectory: boolean;
  warnings: string[];
}

export function checkWebrootPath(webroot: string): WebrootCheck {
  const uid = process.getuid?.() ?? 0;
  const warnings: string[] = [];
  let exists = false;
  let isDirectory = false;
  const parts = path.resolve(webroot).split("/").filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const dir = `/${parts.slice(0, i).join("/")}`;
    let stat;
    try {
      stat = lstatSync(dir);
    } catch {
      break; // missing from here on: init creates it, as root
    }
    const isWebroot = i === parts.length;
    if (isWebroot) {
      exists = true;
      isDirectory = stat.isDirectory();
    }
    if (stat.uid !== 0 && stat.uid !== uid) {
      warnings.push(`${dir} belongs to uid ${stat.uid}: that user can ${isWebroot ? "write challenge answers into the webroot" : `replace ${webroot}`} and get certificates for your domains (chown root)`);
    }
    const sticky = (stat.mode & 0o1000) !== 0;
    // A sticky directory (/tmp) lets others add entries but not replace ours.
    if ((stat.mode & 0o022) !== 0 && !(sticky && !isWebroot)) {
      warnings.push(`${dir} is writable by ${(stat.mode & 0o002) !== 0 ? "everyone" : "its group"} (mode ${(stat.mode & 0o7777).toString(8)}): ${isWebroot ? "anyone who can write there can answer challenges for your domains" : `anyone who can write there can replace ${webroot}`} (chmod 755)`);
    }
    if (stat.isSymbolicLink() && isWebroot) warnings.push(`${dir} is a symlink: challenges are served from where it points; make it a directory`);
  }
  // certbot writes the tokens below the webroot: those directories count as much as the webroot itself.
  for (const below of [".well-known", ".well-known/acme-challenge"]) {
    const dir = path.join(path.resolve(webroot), below);
    let stat;
    try {
      stat = lstatSync(dir);
    } catch {
      break;
    }
    if (stat.isSymbolicLink()) warnings.push(`${dir} is a symlink: challenge answers are written and served wherever it points; remove it`);
    else if (stat.uid !== 0 && stat.uid !== uid) warnings.push(`${dir} belongs to uid ${stat.uid}: that user can answer challenges for your domains (chown root)`);
    else if ((stat.mode & 0o022) !== 0) warnings.push(`${dir} is writable by ${(stat.mode & 0o002) !== 0 ? "everyone" : "its group"} (mode ${(stat.mode & 0o7777).toString(8)}): anyone who can write there can answer challenges for your domains (chmod 755)`);
  }
  return { exists, isDirectory, warnings };
}
