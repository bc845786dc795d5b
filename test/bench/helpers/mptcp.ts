// A tiny MPTCP server and client in Perl (perl-base is essential in Debian, so every host has it):
// socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP = 262). Fed to `perl -` on the host's standard input.

/** Arguments: port. Accepts one connection, counts the bytes, prints `received <n>`. */
export const MPTCP_SERVER = String.raw`
use strict; use Socket;
my ($port) = @ARGV;
socket(my $listener, AF_INET, SOCK_STREAM, 262) or die "socket: $!";
setsockopt($listener, SOL_SOCKET, SO_REUSEADDR, 1) or die "setsockopt: $!";
bind($listener, pack_sockaddr_in($port, INADDR_ANY)) or die "bind: $!";
listen($listener, 1) or die "listen: $!";
accept(my $connection, $listener) or die "accept: $!";
my $total = 0;
while (my $read = sysread($connection, my $buffer, 65536)) { $total += $read; }
print "received $total\n";
`;

/** Arguments: address, port. Connects, waits for subflows to join, sends 6.25 MiB, closes. */
export const MPTCP_CLIENT = String.raw`
use strict; use Socket;
my ($address, $port) = @ARGV;
socket(my $socket, AF_INET, SOCK_STREAM, 262) or die "socket: $!";
connect($socket, pack_sockaddr_in($port, inet_aton($address))) or die "connect: $!";
select(undef, undef, undef, 1.0);
my $block = "x" x 65536;
for (1 .. 100) { defined(syswrite($socket, $block)) or die "write: $!"; }
close($socket);
print "sent 6553600\n";
`;
