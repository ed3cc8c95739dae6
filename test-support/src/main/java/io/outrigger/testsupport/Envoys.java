package io.outrigger.testsupport;

/** Starts Envoys whose lifetime someone else (the {@link EnvoyExtension}) manages. */
public interface Envoys {

  /**
   * Starts Envoy and waits until its admin API answers (not until {@code /ready} is LIVE: use
   * {@code admin().awaitLive(...)} for that). The process is stopped after the test, or after the
   * class when started in {@code @BeforeAll}.
   */
  EnvoyProcess start(EnvoyOptions options);
}
