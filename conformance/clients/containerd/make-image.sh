#!/bin/bash
# Builds a busybox image without any registry: the root filesystem comes from
# tests/setup/make-bundle.sh (Debian's busybox-static), packed as one
# uncompressed layer.
#
#   make-image.sh OUT.tar NAME:TAG
#
# OUT.tar is an OCI image layout (oci-layout, index.json, blobs/sha256/...)
# that also carries Docker's manifest.json, so `ctr image import`,
# `podman load` and `docker load` all accept it. index.json names the image
# with the `io.containerd.image.name` annotation docker.io/library/NAME:TAG
# (fully qualified, as containerd stores names) and manifest.json with the
# RepoTag NAME:TAG.
set -euo pipefail

[ $# -eq 2 ] && [[ $2 == *:* ]] || { echo "usage: $0 OUT.tar NAME:TAG" >&2; exit 2; }
out=$(readlink -f "$1")
name=$2
here=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
make_bundle=$here/../../../tests/setup/make-bundle.sh

case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64) arch=arm64 ;;
  *) arch=$(uname -m) ;;
esac

work=$(mktemp -d)
trap 'rm -rf --one-file-system "$work"' EXIT
"$make_bundle" "$work/bundle" sh >/dev/null
mkdir -p "$work/image/blobs/sha256"

# Adds stdin as a blob; prints "DIGEST SIZE".
add_blob() {
  local tmp=$work/image/blob.tmp digest
  cat > "$tmp"
  digest=$(sha256sum "$tmp" | cut -d' ' -f1)
  mv "$tmp" "$work/image/blobs/sha256/$digest"
  echo "$digest $(stat -c %s "$work/image/blobs/sha256/$digest")"
}

read -r layer layer_size < <(tar --numeric-owner --sort=name --mtime=@0 \
  -C "$work/bundle/rootfs" -cf - . | add_blob)

read -r config config_size < <(jq -cn --arg arch "$arch" --arg layer "sha256:$layer" '{
  created: "1970-01-01T00:00:00Z", architecture: $arch, os: "linux",
  config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
           Cmd: ["sh"], WorkingDir: "/"},
  rootfs: {type: "layers", diff_ids: [$layer]},
  history: [{created: "1970-01-01T00:00:00Z", created_by: "berth make-image.sh (busybox-static)"}]
}' | add_blob)

read -r manifest manifest_size < <(jq -cn \
  --arg config "sha256:$config" --argjson config_size "$config_size" \
  --arg layer "sha256:$layer" --argjson layer_size "$layer_size" '{
  schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $config, size: $config_size},
  layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $layer, size: $layer_size}]
}' | add_blob)

echo '{"imageLayoutVersion":"1.0.0"}' > "$work/image/oci-layout"
jq -cn --arg manifest "sha256:$manifest" --argjson size "$manifest_size" \
  --arg arch "$arch" --arg name "docker.io/library/$name" --arg tag "${name##*:}" '{
  schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
  manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $manifest,
               size: $size, platform: {architecture: $arch, os: "linux"},
               annotations: {"io.containerd.image.name": $name,
                             "org.opencontainers.image.ref.name": $tag}}]
}' > "$work/image/index.json"
jq -cn --arg config "blobs/sha256/$config" --arg layer "blobs/sha256/$layer" --arg name "$name" \
  '[{Config: $config, RepoTags: [$name], Layers: [$layer]}]' > "$work/image/manifest.json"

tar --numeric-owner --sort=name --mtime=@0 -C "$work/image" -cf "$out" \
  oci-layout index.json manifest.json blobs
