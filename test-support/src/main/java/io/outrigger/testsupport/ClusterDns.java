package io.outrigger.testsupport;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tier-5 cluster's DNS (the part of CoreDNS's {@code kubernetes} plugin that apps use): over
 * UDP, an A record for {@code <service>.<namespace>.svc.<domain>} answers the Service's {@code
 * clusterIP}, from an informer on Services. Kubelet's {@code clusterDNS} points pods here, with the
 * usual search list ({@code <ns>.svc.<domain> svc.<domain> <domain>}), so an app calls {@code
 * http://details:9080/} unchanged. AAAA gets an empty answer; every other name (headless Services'
 * pods, names outside the cluster) gets NXDOMAIN: nothing is forwarded, tests reach no outside
 * resolver.
 */
final class ClusterDns implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterDns.class);
  private static final int TYPE_A = 1;
  private static final int TYPE_AAAA = 28;
  private static final int CLASS_IN = 1;
  private static final int NXDOMAIN = 3;
  private static final int FORMERR = 1;
  private static final int NOTIMP = 4;
  private static final int TTL_SECONDS = 5;

  private final String suffix;
  private final SharedIndexInformer<Service> services;
  private final DatagramSocket socket;
  private final Thread thread;

  private ClusterDns(String domain, SharedIndexInformer<Service> services, DatagramSocket socket) {
    this.suffix = ".svc." + domain;
    this.services = services;
    this.socket = socket;
    this.thread = Thread.ofPlatform().daemon().name("outrigger-kube-dns").start(this::serve);
  }

  /**
   * Serves {@code domain} (e.g. {@code cluster.local}) on UDP {@code address}:53 from {@code
   * client}'s Services.
   */
  static ClusterDns start(KubernetesClient client, String address, String domain) {
    SharedIndexInformer<Service> services = client.services().inAnyNamespace().inform();
    try {
      return new ClusterDns(
          domain, services, new DatagramSocket(new InetSocketAddress(address, 53)));
    } catch (SocketException e) {
      services.close();
      throw new UncheckedIOException("cluster DNS: cannot bind UDP " + address + ":53", e);
    }
  }

  private void serve() {
    byte[] buffer = new byte[512];
    while (!socket.isClosed()) {
      DatagramPacket query = new DatagramPacket(buffer, buffer.length);
      try {
        socket.receive(query);
        byte[] answer = answer(ByteBuffer.wrap(query.getData(), 0, query.getLength()));
        if (answer != null) {
          socket.send(new DatagramPacket(answer, answer.length, query.getSocketAddress()));
        }
      } catch (IOException e) {
        if (!socket.isClosed()) {
          LOG.warn("event=kube_dns_error error={}", e.toString());
        }
      }
    }
  }

  /**
   * The response to one query, or null for what is not a query (a response, or too short to
   * answer).
   */
  byte[] answer(ByteBuffer query) {
    if (query.remaining() < 12) {
      return null;
    }
    int id = query.getShort() & 0xffff;
    int flags = query.getShort() & 0xffff;
    int questions = query.getShort() & 0xffff;
    query.position(12);
    if ((flags & 0x8000) != 0) {
      return null;
    }
    int opcode = (flags >> 11) & 0xf;
    int start = query.position();
    String name;
    int type;
    try {
      name = readName(query);
      type = query.getShort() & 0xffff;
      query.getShort();
    } catch (RuntimeException e) {
      return header(id, flags, FORMERR, 0, 0).toByteArray();
    }
    byte[] question = new byte[query.position() - start];
    query.get(start, question);
    if (opcode != 0 || questions != 1) {
      return header(id, flags, NOTIMP, 0, 0).toByteArray();
    }
    Optional<InetAddress> address = lookup(name);
    if (address.isEmpty()) {
      ByteArrayOutputStream out = header(id, flags, NXDOMAIN, 1, 0);
      out.writeBytes(question);
      return out.toByteArray();
    }
    boolean a = type == TYPE_A;
    ByteArrayOutputStream out = header(id, flags, 0, 1, a ? 1 : 0);
    out.writeBytes(question);
    if (a) {
      // The owner name as a pointer to the question's (offset 12), then TYPE, CLASS, TTL, RDLENGTH,
      // RDATA.
      out.writeBytes(new byte[] {(byte) 0xc0, 12, 0, TYPE_A, 0, CLASS_IN});
      out.writeBytes(ByteBuffer.allocate(6).putInt(TTL_SECONDS).putShort((short) 4).array());
      out.writeBytes(address.get().getAddress());
    }
    return out.toByteArray();
  }

  /**
   * The clusterIP of the Service {@code name} names, if it exists and has one (IPv4; not headless).
   */
  Optional<InetAddress> lookup(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    if (!lower.endsWith(suffix)) {
      return Optional.empty();
    }
    String[] labels = lower.substring(0, lower.length() - suffix.length()).split("\\.");
    if (labels.length != 2) {
      return Optional.empty();
    }
    Service service = services.getIndexer().getByKey(labels[1] + "/" + labels[0]);
    String ip =
        service == null || service.getSpec() == null ? null : service.getSpec().getClusterIP();
    if (ip == null || ip.isEmpty() || ip.equals("None") || ip.contains(":")) {
      return Optional.empty();
    }
    try {
      return Optional.of(InetAddress.getByName(ip));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static ByteArrayOutputStream header(
      int id, int queryFlags, int rcode, int questions, int answers) {
    // QR, the query's opcode and RD, AA (we are the authority for the cluster domain), RA, the
    // rcode.
    int flags = 0x8000 | (queryFlags & 0x7900) | 0x0400 | 0x0080 | rcode;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(
        ByteBuffer.allocate(12)
            .putShort((short) id)
            .putShort((short) flags)
            .putShort((short) questions)
            .putShort((short) answers)
            .putShort((short) 0)
            .putShort((short) 0)
            .array());
    return out;
  }

  /** A question's name (uncompressed, as queries carry it), without the trailing dot. */
  private static String readName(ByteBuffer buffer) {
    StringBuilder name = new StringBuilder();
    for (int length = buffer.get() & 0xff; length != 0; length = buffer.get() & 0xff) {
      if (length > 63) {
        throw new IllegalArgumentException("label length " + length);
      }
      byte[] label = new byte[length];
      buffer.get(label);
      if (!name.isEmpty()) {
        name.append('.');
      }
      name.append(new String(label, StandardCharsets.US_ASCII));
    }
    return name.toString();
  }

  @Override
  public void close() {
    socket.close();
    services.close();
    try {
      thread.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
