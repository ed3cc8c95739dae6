package io.outrigger.cni.plugin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts a CNI result between the 0.3.x/0.4.0 shape (each IP carries {@code "version"}) and the
 * 1.0.0 shape (it does not). Everything else passes through unchanged, so a chained plugin hands
 * the previous result on exactly.
 */
public final class ResultConverter {
  private ResultConverter() {}

  @SuppressWarnings("unchecked")
  public static Map<String, Object> convert(Map<String, Object> result, String toVersion) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("cniVersion", toVersion);
    for (Map.Entry<String, Object> e : result.entrySet()) {
      if (e.getKey().equals("cniVersion")) {
        continue;
      }
      if (e.getKey().equals("ips") && e.getValue() instanceof List<?> ips) {
        List<Object> converted = new ArrayList<>();
        for (Object ip : ips) {
          converted.add(
              ip instanceof Map<?, ?> m ? convertIp((Map<String, Object>) m, toVersion) : ip);
        }
        out.put("ips", converted);
      } else {
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
  }

  private static Map<String, Object> convertIp(Map<String, Object> ip, String toVersion) {
    boolean wantsVersion = toVersion.startsWith("0.");
    Map<String, Object> out = new LinkedHashMap<>();
    if (wantsVersion) {
      Object address = ip.get("address");
      String family =
          ip.containsKey("version")
              ? String.valueOf(ip.get("version"))
              : String.valueOf(address).indexOf(':') >= 0 ? "6" : "4";
      out.put("version", family);
    }
    for (Map.Entry<String, Object> e : ip.entrySet()) {
      if (!e.getKey().equals("version")) {
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
  }

  /** The pod's addresses, without prefix length. */
  public static List<String> podIps(Map<String, Object> result) {
    List<String> out = new ArrayList<>();
    if (result.get("ips") instanceof List<?> ips) {
      for (Object ip : ips) {
        if (ip instanceof Map<?, ?> m && m.get("address") instanceof String a) {
          int slash = a.indexOf('/');
          out.add(slash < 0 ? a : a.substring(0, slash));
        }
      }
    }
    return out;
  }
}
