package io.outrigger.cni.json;

/** A document that is not valid JSON, or not the shape the caller needs; the message says where. */
public final class JsonException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public JsonException(String message) {
    super(message);
  }
}
