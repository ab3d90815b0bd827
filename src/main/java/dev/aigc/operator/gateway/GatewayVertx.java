package dev.aigc.operator.gateway;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.ServerChannelRecvByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.util.internal.PlatformDependent;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.impl.VertxBuilder;
import io.vertx.core.net.ClientOptionsBase;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.spi.transport.Transport;
import java.util.concurrent.ThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's Vert.x: one event loop, which also accepts the connections it serves.
 *
 * <p>ingress-nginx opens a new connection for every auth subrequest (its default auth-keepalive is
 * 0), so /auth costs a connection each time. Vert.x accepts on a thread of its own and hands each
 * connection to an event loop, a second thread woken per request (an eventfd write and read, a
 * second epoll wake-up, two more context switches); on a busy core each wake-up can wait a
 * scheduler slice, which is what the auth benchmark's p99 at one connection showed. Accepting on
 * the loop that serves the connection registers it in place, as nginx does in one worker.
 *
 * <p>One loop is also all a single HTTP server uses in Vert.x: every connection of a server started
 * outside a verticle goes to the one loop of the context that listened; further loops served
 * nothing here.
 */
public final class GatewayVertx {
  private static final Logger log = LoggerFactory.getLogger(GatewayVertx.class);

  private GatewayVertx() {}

  public static Vertx create() {
    VertxOptions options = new VertxOptions().setEventLoopPoolSize(1);
    try {
      VertxBuilder builder = new VertxBuilder(options).init();
      return builder.findTransport(new AcceptOnTheLoop(builder.findTransport())).vertx();
    } catch (RuntimeException | LinkageError e) {
      // an internal API of Vert.x 4: if a new version moves it, the gateway still runs, one hand-off slower
      log.warn("cannot accept connections on the event loop ({}); using Vert.x's acceptor thread", e.toString());
      return Vertx.vertx(options);
    }
  }

  /** Vert.x's transport, whose acceptor group is the event loop group itself. */
  private static final class AcceptOnTheLoop implements Transport {
    private final Transport transport;
    private EventLoopGroup loops;

    AcceptOnTheLoop(Transport transport) {
      this.transport = transport;
    }

    @Override
    public EventLoopGroup eventLoopGroup(int type, int threads, ThreadFactory factory, int ioRatio) {
      // Vert.x asks for its event loops first, then for the acceptor; shutting a group down twice is harmless
      if (type == IO_EVENT_LOOP_GROUP || loops == null) {
        loops = transport.eventLoopGroup(type, threads, factory, ioRatio);
      }
      return loops;
    }

    @Override public boolean supportsDomainSockets() { return transport.supportsDomainSockets(); }
    @Override public boolean supportFileRegion() { return transport.supportFileRegion(); }
    @Override public boolean isAvailable() { return transport.isAvailable(); }
    @Override public Throwable unavailabilityCause() { return transport.unavailabilityCause(); }
    @Override public java.net.SocketAddress convert(io.vertx.core.net.SocketAddress address) { return transport.convert(address); }
    @Override public io.vertx.core.net.SocketAddress convert(java.net.SocketAddress address) { return transport.convert(address); }
    @Override public DatagramChannel datagramChannel() { return transport.datagramChannel(); }
    @Override public DatagramChannel datagramChannel(InternetProtocolFamily family) { return transport.datagramChannel(family); }
    @Override public ChannelFactory<? extends Channel> channelFactory(boolean domainSocket) { return transport.channelFactory(domainSocket); }

    @Override
    public ChannelFactory<? extends ServerChannel> serverChannelFactory(boolean domainSocket) {
      return transport.serverChannelFactory(domainSocket);
    }

    @Override
    public void configure(DatagramChannel channel, io.vertx.core.datagram.DatagramSocketOptions options) {
      transport.configure(channel, options);
    }

    @Override
    public void configure(ClientOptionsBase options, boolean domainSocket, Bootstrap bootstrap) {
      transport.configure(options, domainSocket, bootstrap);
    }

    @Override
    public void configure(NetServerOptions options, boolean domainSocket, ServerBootstrap bootstrap) {
      transport.configure(options, domainSocket, bootstrap);
      // Every child option is a system call per connection, and ingress-nginx opens a connection per
      // auth subrequest: leave out the two that set what the socket has already (keep-alive is off by
      // the kernel's default, TCP_NODELAY on by Netty's)
      if (!options.isTcpKeepAlive()) bootstrap.childOption(ChannelOption.SO_KEEPALIVE, null);
      if (options.isTcpNoDelay() && PlatformDependent.canEnableTcpNoDelayByDefault()) {
        bootstrap.childOption(ChannelOption.TCP_NODELAY, null);
      }
      // one accept per wake-up: a second one, at one connection at a time, only finds none (EAGAIN)
      bootstrap.option(ChannelOption.RCVBUF_ALLOCATOR, new ServerChannelRecvByteBufAllocator().maxMessagesPerRead(1));
    }
  }
}
