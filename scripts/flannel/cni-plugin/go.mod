// Builds Flannel's CNI plugin (type "flannel") for test tier 5 (see docs/test-harness.md). Flannel's own
// plugin module, github.com/flannel-io/cni-plugin, is refused by the Go module proxy (403), and Debian's
// containernetworking-plugins ships no flannel plugin; the same plugin, an older copy, is the package
// plugins/meta/flannel of github.com/containernetworking/plugins v0.9.1, pinned with go.sum and built by
// scripts/bootstrap.sh --tests into .outrigger/flannel/<version>/flannel. No code of ours.
module outrigger.io/flannel-cni

go 1.22.0

require github.com/containernetworking/plugins v0.9.1

require (
	github.com/Microsoft/go-winio v0.4.11 // indirect
	github.com/Microsoft/hcsshim v0.8.6 // indirect
	github.com/buger/jsonparser v0.0.0-20180808090653-f4dd9f5a6b44 // indirect
	github.com/containernetworking/cni v0.8.1 // indirect
	github.com/sirupsen/logrus v1.0.6 // indirect
	golang.org/x/crypto v0.0.0-20200622213623-75b288015ac9 // indirect
	golang.org/x/sys v0.0.0-20201117170446-d9b008d0a637 // indirect
)
