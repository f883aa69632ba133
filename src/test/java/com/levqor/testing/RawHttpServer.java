package com.levqor.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTP/1.1 server by hand, for what a server library will not do: answers that trickle, stall or
 * never end, a second address on the same port. Each connection gets one request read (head and a
 * {@code Content-Length} body) and one answer from the script, then is closed.
 */
public final class RawHttpServer implements AutoCloseable {
    private static final Pattern LENGTH = Pattern.compile("(?im)^content-length: *(\\d+)");

    /** Writes the answer to one request. */
    public interface Script {
        void answer(OutputStream out, String requestHead) throws IOException, InterruptedException;
    }

    private final ServerSocket socket;
    private final Set<Socket> accepted = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    /** The head of every request received, in order. */
    public final List<String> heads = new CopyOnWriteArrayList<>();
    /** Connections accepted. */
    public final AtomicInteger connections = new AtomicInteger();
    /** Set once writing an answer failed: the client closed the connection. */
    public final AtomicBoolean clientClosed = new AtomicBoolean();

    /** Listens on {@code address} (e.g. 127.0.0.2) and {@code port} (0: a free one). */
    public RawHttpServer(String address, int port, Script script) throws IOException {
        socket = new ServerSocket();
        socket.bind(new InetSocketAddress(InetAddress.getByName(address), port));
        Thread acceptor = new Thread(() -> {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    connections.incrementAndGet();
                    accepted.add(s);
                    Thread t = new Thread(() -> serve(s, script), "raw-http-conn");
                    t.setDaemon(true);
                    threads.add(t);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "raw-http-server");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void serve(Socket s, Script script) {
        try (s) {
            InputStream in = s.getInputStream();
            String head = readHead(in);
            Matcher m = LENGTH.matcher(head);
            if (m.find()) {
                in.readNBytes(Integer.parseInt(m.group(1)));
            }
            heads.add(head);
            script.answer(s.getOutputStream(), head);
            s.getOutputStream().flush();
        } catch (IOException e) {
            clientClosed.set(true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** Stops listening and ends every connection and its script. */
    @Override
    public void close() throws IOException {
        socket.close();
        for (Socket s : accepted) {
            s.close();
        }
        threads.forEach(Thread::interrupt);
    }

    /** Writes ISO-8859-1 text and flushes. */
    public static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Answers 200 with the extra header lines ({@code "Name: v\r\n"}) and body, and closes. */
    public static Script ok(String headers, String body) {
        return (out, head) -> write(out, "HTTP/1.1 200 OK\r\nConnection: close\r\n" + headers
                + "Content-Length: " + body.length() + "\r\n\r\n" + body);
    }

    /** Sends {@code head}, then one byte every 50 ms until the client closes the connection. */
    public static Script trickle(String head) {
        return (out, h) -> {
            write(out, head);
            while (true) {
                out.write('x');
                out.flush();
                Thread.sleep(50);
            }
        };
    }

    /** Sends nothing until the server closes. */
    public static Script stall() {
        return (out, h) -> {
            while (true) {
                Thread.sleep(50);
            }
        };
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        int n = 0;
        while ((c = in.read()) != -1) {
            b.write(c);
            n = (c == '\r' || c == '\n') ? n + 1 : 0;
            if (n == 4) {
                break;
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }
}
