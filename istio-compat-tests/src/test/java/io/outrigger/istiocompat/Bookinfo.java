package io.outrigger.istiocompat;

import io.outrigger.testsupport.Envoys;
import java.util.List;

/**
 * The bookinfo workloads the suite runs, as {@code samples/bookinfo/deployments.yaml} declares
 * them.
 */
final class Bookinfo {
  static final MeshWorkload PRODUCTPAGE = MeshWorkload.bookinfo("productpage", "v1");
  static final MeshWorkload REVIEWS_V1 = MeshWorkload.bookinfo("reviews", "v1");
  static final MeshWorkload REVIEWS_V2 = MeshWorkload.bookinfo("reviews", "v2");
  static final MeshWorkload REVIEWS_V3 = MeshWorkload.bookinfo("reviews", "v3");

  /**
   * The canary samples all define VirtualService bookinfo/reviews; one of them at a time lives
   * here.
   */
  static final String REVIEWS_VIRTUAL_SERVICE_FILE = "reviews-virtualservice.yaml";

  private Bookinfo() {}

  /** productpage and the three versions of reviews with their subsets, no VirtualService yet. */
  static HostModeMesh startReviewsInThreeVersions(Envoys envoys) {
    return HostModeMesh.start(
        envoys,
        List.of("istio/reviews-destinationrule.yaml"),
        List.of(PRODUCTPAGE, REVIEWS_V1, REVIEWS_V2, REVIEWS_V3),
        List.of());
  }
}
