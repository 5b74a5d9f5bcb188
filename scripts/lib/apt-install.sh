# shellcheck shell=bash
# apt_install PKG... — install Debian packages that are not installed yet.
#
# Source this file, then call `apt_install chromium ripgrep`. It:
#   - does nothing (and never touches the network) when every package is installed;
#   - runs `apt-get update` at most once per shell, and only when the package lists are
#     missing or older than APT_LISTS_MAX_AGE_MIN minutes (default a day), or when an
#     install could not find a package with the lists it had;
#   - waits and retries while another apt/dpkg holds the lock (fresh machines often run
#     unattended upgrades or a provisioning apt right after boot);
#   - uses sudo when not root.
# Returns non-zero, with apt's own message, when a package really cannot be installed.

_APT_UPDATED=${_APT_UPDATED:-0}
APT_LOCK_TRIES=${APT_LOCK_TRIES:-60}      # x 5 s = 5 minutes of waiting for the lock
APT_LISTS_MAX_AGE_MIN=${APT_LISTS_MAX_AGE_MIN:-1440}

_apt_sudo() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi
}

_apt_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# Runs an apt-get command, retrying while the dpkg/apt lists lock is held by someone else.
# DPkg::Lock::Timeout covers the dpkg frontend lock; the loop covers the lists lock of
# `apt-get update` and older apt versions.
_apt_retry() {
  local try=1 out status
  out=$(mktemp)
  while :; do
    _apt_sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=60 "$@" >"$out" 2>&1
    status=$?
    if [ $status -eq 0 ]; then rm -f "$out"; return 0; fi
    if grep -qiE 'could not get lock|unable to lock|is another process using it|dpkg was interrupted' "$out" \
      && [ $try -lt "$APT_LOCK_TRIES" ]; then
      if grep -qi 'dpkg was interrupted' "$out"; then
        _apt_sudo env DEBIAN_FRONTEND=noninteractive dpkg --configure -a >/dev/null 2>&1 || true
      fi
      [ $try -eq 1 ] && echo "apt: lock held by another process, waiting…" >&2
      try=$((try + 1))
      sleep 5
      continue
    fi
    cat "$out" >&2
    rm -f "$out"
    return $status
  done
}

_apt_lists_fresh() {
  local lists=/var/lib/apt/lists
  # No *_Packages file at all means `apt-get update` never ran (slim images delete them).
  compgen -G "$lists/*_Packages" >/dev/null || compgen -G "$lists/*_Packages.lz4" >/dev/null || return 1
  [ -z "$(find "$lists" -maxdepth 1 -name '*_Packages*' -mmin +"$APT_LISTS_MAX_AGE_MIN" -print -quit)" ]
}

apt_update_once() {
  [ "$_APT_UPDATED" = 1 ] && return 0
  echo "apt: updating package lists" >&2
  _apt_retry update -q || return $?
  _APT_UPDATED=1
}

apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    _apt_installed "$pkg" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || { echo "apt: apt-get not found; install by hand: ${missing[*]}" >&2; return 1; }

  _apt_lists_fresh || apt_update_once || return $?
  echo "apt: installing ${missing[*]}" >&2
  if _apt_retry install -y -q "${missing[@]}" 2>/tmp/apt-install.$$; then
    rm -f /tmp/apt-install.$$
    return 0
  fi
  # Stale lists name .debs the mirror no longer has, or lack a package: refresh once.
  if [ "$_APT_UPDATED" = 0 ]; then
    rm -f /tmp/apt-install.$$
    apt_update_once || return $?
    _apt_retry install -y -q "${missing[@]}"
    return $?
  fi
  cat /tmp/apt-install.$$ >&2
  rm -f /tmp/apt-install.$$
  return 1
}
