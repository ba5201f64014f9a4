#!/bin/bash
# Makes an OCI bundle with a busybox root filesystem from Debian's
# busybox-static package.
#
#   make-bundle.sh [--spec-from RUNTIME] DIR [ARG...]
#
# DIR/rootfs gets /bin/busybox with a symlink per applet, /etc/passwd and
# /etc/group (root, nobody and a test user "berth" 1000:1000 that is also in
# group "users"), /tmp, /root, /home/berth and empty /proc /sys /dev.
# DIR/config.json comes from `RUNTIME spec` when that works (e.g. build/berth),
# otherwise from a built-in default shaped like `runc spec`'s. Either way the
# process gets terminal=false (runs without a tty), ARG... as args (default:
# sh) and hostname "berth". Re-running replaces the rootfs and config.json.
set -euo pipefail

usage() { echo "usage: $0 [--spec-from RUNTIME] DIR [ARG...]" >&2; exit 2; }

spec_from=""
if [ "${1:-}" = "--spec-from" ]; then
  [ $# -ge 2 ] || usage
  spec_from=$2
  shift 2
fi
[ $# -ge 1 ] || usage
bundle=$1
shift
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(sh)

busybox=/bin/busybox
if ! [ -x "$busybox" ] || ! "$busybox" --list-full >/dev/null 2>&1; then
  echo "make-bundle.sh: $busybox missing; run tests/setup/install-deps.sh" >&2
  exit 1
fi
if ! command -v jq >/dev/null; then
  echo "make-bundle.sh: jq missing; run tests/setup/install-deps.sh" >&2
  exit 1
fi

mkdir -p "$bundle"
bundle=$(cd "$bundle" && pwd)
rootfs=$bundle/rootfs
rm -rf --one-file-system "$rootfs" "$bundle/config.json"

mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,root,home/berth,tmp,var/tmp}
chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
chmod 0700 "$rootfs/root"
chown 1000:1000 "$rootfs/home/berth"
# the package's mode, whatever the host's copy has now: containers run it as any uid
install -m 0755 "$busybox" "$rootfs/bin/busybox"
while read -r applet; do
  [ "$applet" = bin/busybox ] || ln -sf /bin/busybox "$rootfs/$applet"
done < <("$busybox" --list-full)

cat > "$rootfs/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
berth:x:1000:1000:berth test user:/home/berth:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat > "$rootfs/etc/group" <<'GROUP'
root:x:0:
users:x:100:berth
berth:x:1000:
nogroup:x:65534:
GROUP
echo berth > "$rootfs/etc/hostname"

write_default_config() {
  cat > "$bundle/config.json" <<'CONFIG'
{
  "ociVersion": "1.3.0",
  "process": {
    "terminal": true,
    "user": { "uid": 0, "gid": 0 },
    "args": ["sh"],
    "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    },
    "rlimits": [{ "type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024 }],
    "noNewPrivileges": true
  },
  "root": { "path": "rootfs", "readonly": true },
  "hostname": "berth",
  "mounts": [
    { "destination": "/proc", "type": "proc", "source": "proc" },
    { "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
      "options": ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    { "destination": "/dev/pts", "type": "devpts", "source": "devpts",
      "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
    { "destination": "/dev/shm", "type": "tmpfs", "source": "shm",
      "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
    { "destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
      "options": ["nosuid", "noexec", "nodev"] },
    { "destination": "/sys", "type": "sysfs", "source": "sysfs",
      "options": ["nosuid", "noexec", "nodev", "ro"] },
    { "destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
      "options": ["nosuid", "noexec", "nodev", "relatime", "ro"] }
  ],
  "linux": {
    "resources": { "devices": [{ "allow": false, "access": "rwm" }] },
    "namespaces": [
      { "type": "pid" }, { "type": "network" }, { "type": "ipc" },
      { "type": "uts" }, { "type": "mount" }
    ],
    "maskedPaths": [
      "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
      "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"
    ],
    "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
  }
}
CONFIG
}

if [ -n "$spec_from" ] && "$spec_from" spec --bundle "$bundle" 2>/dev/null \
    && jq -e .process "$bundle/config.json" >/dev/null 2>&1; then
  echo "make-bundle.sh: config.json from '$spec_from spec'"
else
  rm -f "$bundle/config.json"
  write_default_config
fi

# Each argument JSON-encoded on its own (jq would take "-c" in --args as its own option).
args_json=$(for arg in "${args[@]}"; do printf '%s' "$arg" | jq -Rs .; done | jq -cs .)
jq --argjson args "$args_json" '.process.terminal = false | .process.args = $args | .hostname = "berth"' \
  "$bundle/config.json" > "$bundle/config.json.new"
mv "$bundle/config.json.new" "$bundle/config.json"
echo "make-bundle.sh: bundle ready in $bundle"
