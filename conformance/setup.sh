#!/bin/bash
# Prepare runc 1.1.5's integration suite for running against berth.
#
# Idempotent; everything comes from Debian's archive (no module or image downloads):
#   - runc's source package (the bats files and helpers) via a bookworm deb-src entry,
#   - recvtty and seccompagent built from that source in GOPATH mode with Debian's golang-*-dev,
#   - the busybox test image from busybox-static, the Debian image via debootstrap.
# Everything lands in conformance/work/ (gitignored).
set -euo pipefail

HERE=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
WORK="${BERTH_CONFORMANCE_WORK:-$HERE/work}"
RUNC_VERSION=1.1.5
DEBIAN_SUITE=bookworm

# Packages the harness needs (tell install-deps.sh about changes here).
PACKAGES=(
	dpkg-dev xz-utils bats jq gawk gcc libc6-dev util-linux busybox-static debootstrap
	golang-go pkg-config libseccomp-dev
	golang-github-containerd-console-dev golang-github-urfave-cli-dev golang-golang-x-sys-dev
	golang-github-cyphar-filepath-securejoin-dev golang-github-opencontainers-specs-dev
	golang-github-seccomp-libseccomp-golang-dev golang-github-sirupsen-logrus-dev
)

log() { echo "setup.sh: $*" >&2; }

has_deb_src() {
	grep -Eqs '^[[:space:]]*deb-src[[:space:]].*debian' /etc/apt/sources.list /etc/apt/sources.list.d/*.list && return 0
	grep -Eqs '^Types:.*deb-src' /etc/apt/sources.list.d/*.sources && return 0
	return 1
}

ensure_deb_src() {
	has_deb_src && return 0
	log "adding a deb-src entry for $DEBIAN_SUITE"
	cat >/etc/apt/sources.list.d/berth-conformance-src.sources <<-EOF
		Types: deb-src
		URIs: http://deb.debian.org/debian
		Suites: $DEBIAN_SUITE $DEBIAN_SUITE-updates
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

		Types: deb-src
		URIs: http://deb.debian.org/debian-security
		Suites: $DEBIAN_SUITE-security
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	apt-get update -qq
}

ensure_packages() {
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Sets RUNC_SRC to the unpacked source tree.
ensure_runc_source() {
	RUNC_SRC=$(find "$WORK" -maxdepth 1 -type d -name "runc-${RUNC_VERSION}*" | head -n1)
	if [ -z "$RUNC_SRC" ]; then
		ensure_deb_src
		log "fetching runc's source package"
		# from the suite named (another deb-src entry may carry a newer runc)
		(cd "$WORK" && apt-get source -qq "runc/$DEBIAN_SUITE" >/dev/null)
		RUNC_SRC=$(find "$WORK" -maxdepth 1 -type d -name "runc-${RUNC_VERSION}*" | head -n1)
	fi
	[ -n "$RUNC_SRC" ] || { log "runc $RUNC_VERSION source not found in $WORK"; exit 1; }
	[ "$(cat "$RUNC_SRC/VERSION")" = "$RUNC_VERSION" ] ||
		{ log "expected runc $RUNC_VERSION, got $(cat "$RUNC_SRC/VERSION")"; exit 1; }
}

# recvtty imports runc's own libcontainer/utils: expose the source tree in a private GOPATH
# entry, with Debian's /usr/share/gocode supplying every other import.
build_helpers() {
	local gopath="$WORK/gopath" pkg=github.com/opencontainers/runc
	mkdir -p "$gopath/src/github.com/opencontainers"
	ln -sfn "$RUNC_SRC" "$gopath/src/$pkg"
	local -a env=(GO111MODULE=off GOPROXY=off GOFLAGS= GOPATH="$gopath:/usr/share/gocode"
		GOCACHE="$WORK/gocache")
	if [ ! -x "$RUNC_SRC/contrib/cmd/recvtty/recvtty" ]; then
		log "building recvtty"
		(cd "$gopath/src/$pkg/contrib/cmd/recvtty" && env "${env[@]}" go build -o recvtty .)
	fi
	if [ ! -x "$RUNC_SRC/contrib/cmd/seccompagent/seccompagent" ]; then
		log "building seccompagent"
		(cd "$gopath/src/$pkg/contrib/cmd/seccompagent" &&
			env "${env[@]}" go build -tags seccomp -o seccompagent .)
	fi
}

# get-images.sh only downloads an image when $TESTDATA/<name>-<goarch>.tar.xz is missing:
# providing both files locally keeps the suite offline and unpatched.
build_busybox_image() {
	local dest="$1" root
	[ -e "$dest" ] && return 0
	log "building the busybox image"
	root=$(mktemp -d "$WORK/busybox-rootfs.XXXXXX")
	chmod 0755 "$root" # the image's "." entry sets the container's / mode
	mkdir -p "$root"/{bin,dev,etc,home,root,tmp,usr/bin,usr/sbin,sbin,var} # no proc, sys: mask.bats symlinks them
	chmod 1777 "$root/tmp"
	cp /bin/busybox "$root/bin/busybox"
	local applet
	# Hard links, as in the docker-library image: the suite chmods applets from the host
	# (1.3's start_hello.bats: `chmod go-x rootfs/bin/echo`), and a symlink to /bin/busybox
	# there would change the host's own busybox.
	for applet in $("$root/bin/busybox" --list-full); do
		[ -e "$root/$applet" ] || ln "$root/bin/busybox" "$root/$applet"
	done
	# The docker-library image the suite normally uses ships these accounts.
	cat >"$root/etc/passwd" <<-EOF
		root:x:0:0:root:/root:/bin/sh
		daemon:x:1:1:daemon:/usr/sbin:/bin/false
		bin:x:2:2:bin:/bin:/bin/false
		sys:x:3:3:sys:/dev:/bin/false
		sync:x:4:100:sync:/bin:/bin/sync
		mail:x:8:8:mail:/var/spool/mail:/bin/false
		www-data:x:33:33:www-data:/var/www:/bin/false
		operator:x:37:37:Operator:/var:/bin/false
		nobody:x:65534:65534:nobody:/home:/bin/false
	EOF
	cat >"$root/etc/group" <<-EOF
		root:x:0:
		daemon:x:1:
		bin:x:2:
		sys:x:3:
		adm:x:4:
		tty:x:5:
		disk:x:6:
		lp:x:7:
		mail:x:8:
		kmem:x:9:
		wheel:x:10:root
		cdrom:x:11:
		dialout:x:18:
		floppy:x:19:
		video:x:28:
		audio:x:29:
		tape:x:32:
		www-data:x:33:
		operator:x:37:
		utmp:x:43:
		plugdev:x:46:
		staff:x:50:
		lock:x:54:
		netdev:x:82:
		users:x:100:
		nogroup:x:65534:
	EOF
	tar --numeric-owner -C "$root" -cJf "$dest.tmp" .
	mv "$dest.tmp" "$dest"
	rm -rf "$root"
}

mirror_uri() {
	local uri
	uri=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' |
		grep -v security | grep debian | head -n1)
	[ -n "$uri" ] || uri=$(grep -hE '^deb\s' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' |
		grep -v security | head -n1)
	echo "${uri:-http://deb.debian.org/debian}"
}

build_debian_image() {
	local dest="$1" cache="$WORK/debian-$DEBIAN_SUITE-minbase.tar.xz" root
	if [ ! -e "$cache" ]; then
		log "debootstrapping $DEBIAN_SUITE (minbase)"
		root=$(mktemp -d "$WORK/debian-rootfs.XXXXXX")
		chmod 0755 "$root"
		debootstrap --variant=minbase "$DEBIAN_SUITE" "$root" "$(mirror_uri)" >"$WORK/debootstrap.log" 2>&1 ||
			{ log "debootstrap failed, see $WORK/debootstrap.log"; rm -rf "$root"; exit 1; }
		rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
		tar --numeric-owner -I "xz -1 -T0" -C "$root" -cf "$cache.tmp" .
		mv "$cache.tmp" "$cache"
		rm -rf "$root"
	fi
	ln -sfn "$cache" "$dest"
}

main() {
	[ "$(id -u)" -eq 0 ] || { log "must run as root"; exit 1; }
	mkdir -p "$WORK"
	# One setup at a time: run.sh and the systemd VM's ctest entry (tests/systemd-vm/
	# add-runc-bats.sh) may call it at once, and two Go builds would write one binary.
	exec {setup_lock}>"$WORK/setup.lock"
	flock "$setup_lock"
	ensure_packages
	ensure_runc_source
	build_helpers
	local arch testdata="$RUNC_SRC/tests/integration/testdata"
	arch=$(go env GOARCH)
	build_busybox_image "$testdata/busybox-$arch.tar.xz"
	build_debian_image "$testdata/debian-$arch.tar.xz"
	log "ready: $RUNC_SRC"
}

main "$@"
