package dev.aigc.operator.sandbox;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** The sandbox's ports on localhost, checked before anything starts so that a taken one is named plainly. */
final class Ports {
  private Ports() {}

  /** The port itself, or a free one for 0; a taken port is a {@link SandboxException} naming its flag. */
  static int claim(int port, String flag) throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return socket.getLocalPort();
    } catch (BindException e) {
      throw new SandboxException("port " + port + " is already in use on localhost (" + flag + "): stop what uses it, or choose "
          + "another port with " + flag + " <port> (0 picks a free one)");
    }
  }
}
