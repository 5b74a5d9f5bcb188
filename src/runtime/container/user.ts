/**
 * Resolves `--user` the way Docker does, against the container's own /etc/passwd and
 * /etc/group (never the host's): `name`, `uid`, `name:group`, `uid:gid`. A numeric uid
 * with no passwd entry is allowed (gid 0); a name that is not in the file is an error.
 * Supplementary groups are the groups that list the user by name.
 */
import { BerthError } from '../errors';
import { ResolvedUser } from './spec-builder';

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const isNumeric = (s: string) => /^\d+$/.test(s);

export function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || !isNumeric(f[2]) || !isNumeric(f[3])) continue;
    entries.push({ name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] });
  }
  return entries;
}

export function parseGroup(text: string): GroupEntry[] {
  const entries: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || !isNumeric(f[2])) continue;
    entries.push({ name: f[0], gid: Number(f[2]), members: f[3].split(',').filter(Boolean) });
  }
  return entries;
}

export function resolveUser(spec: string, passwdText: string | undefined, groupText: string | undefined): ResolvedUser {
  const passwd = parsePasswd(passwdText ?? '');
  const groups = parseGroup(groupText ?? '');
  const [userPart, groupPart] = spec === '' ? ['0', undefined] : spec.split(':', 2);

  let entry: PasswdEntry | undefined;
  let uid: number;
  if (isNumeric(userPart)) {
    uid = Number(userPart);
    entry = passwd.find((p) => p.uid === uid);
  } else {
    entry = passwd.find((p) => p.name === userPart);
    if (!entry) {
      throw new BerthError('invalid-argument', `User "${userPart}" is not in the container's /etc/passwd. Use a numeric uid (e.g. --user 1000:1000) or a user the image defines.`);
    }
    uid = entry.uid;
  }

  let gid: number;
  if (groupPart === undefined || groupPart === '') {
    gid = entry?.gid ?? 0;
  } else if (isNumeric(groupPart)) {
    gid = Number(groupPart);
  } else {
    const group = groups.find((g) => g.name === groupPart);
    if (!group) {
      throw new BerthError('invalid-argument', `Group "${groupPart}" is not in the container's /etc/group. Use a numeric gid or a group the image defines.`);
    }
    gid = group.gid;
  }

  const additionalGids = entry
    ? [...new Set(groups.filter((g) => g.members.includes(entry!.name) && g.gid !== gid).map((g) => g.gid))]
    : [];
  return { uid, gid, additionalGids, home: entry?.home ?? (uid === 0 ? '/root' : '/') };
}
