// A MongoDB-wire server for the local stack provider: mongo-java-server with its in-memory backend, bound to one
// address. Run as a single-file source program (Java 11+), with the mongo-java-server jars on the classpath:
//   java -cp ".cache/jars/mongo-java-server-<version>/*" tools/mongo/MongoWireServer.java <port> [host]
// It prints one line when it listens and shuts down cleanly on SIGTERM.
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

public class MongoWireServer {
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: MongoWireServer <port> [host]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        String host = args.length > 1 ? args[1] : "127.0.0.1";
        MongoServer server = new MongoServer(new MemoryBackend());
        server.bind(host, port);
        System.out.println("mongo-wire-server listening on " + host + ":" + port);
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
        Thread.currentThread().join();
    }
}
