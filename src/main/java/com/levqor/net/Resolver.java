package com.levqor.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Turns a host name into addresses. {@link #SYSTEM} asks the JVM (DNS, {@code /etc/hosts}); tests give
 * their own to play a DNS server that changes its answer between two lookups.
 */
@FunctionalInterface
public interface Resolver {
    /** The JVM's resolver. */
    Resolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));

    /** Every address of {@code host} (a name or an address literal, without brackets). */
    List<InetAddress> resolve(String host) throws UnknownHostException;
}
