#!/usr/bin/env bash
# Builds the mesh's two images, as the chart's defaults name them or under your own references, as
# docker-archive tarballs (no daemon, no registry): OUT/outrigger.tar (the control plane and CNI installer:
# outrigger.jar on a jlink'd runtime, with the outrigger-cni plugin image) and OUT/envoy.tar (the sidecar).
# Push them with your tools, e.g. `skopeo copy docker-archive:OUT/outrigger.tar docker://REF` or
# `docker load -i OUT/outrigger.tar && docker push REF`, then install with
# `--set images.controlPlane=REF --set images.proxy=REF` (docs/install.md, "Images").
#
#   scripts/build-images.sh OUT [CONTROL_PLANE_REF PROXY_REF]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ $# -ne 1 ] && [ $# -ne 3 ]; then
  echo "usage: scripts/build-images.sh OUT_DIR [CONTROL_PLANE_IMAGE PROXY_IMAGE]" >&2
  exit 2
fi
[ -f "$root/.outrigger/env" ] || "$root/scripts/bootstrap.sh"
# shellcheck disable=SC1091
source "$root/.outrigger/env"
cd "$root"
# The shaded outrigger.jar (cli) and the CNI plugin image (cni-chain) come from package; test-support holds the
# image builder (MeshImages, the one tier-5 tests use).
./mvnw -B -q -ntp -pl cli,test-support -am package -DskipTests
"$JAVA_HOME/bin/java" -cp "cli/target/outrigger.jar:test-support/target/classes" \
  -Doutrigger.jar="$root/cli/target/outrigger.jar" io.outrigger.testsupport.MeshImages "$@"
