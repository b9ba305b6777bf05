// Parses Structurizr DSL files with the official parser (com.structurizr:structurizr-dsl) and prints, per file, one
// JSON line of what the workspace holds, or the parser's error. The architecture exporter's test runs it:
//   java -cp '.cache/jars/structurizr-dsl-<version>/*' tools/structurizr/ParseDsl.java a.dsl [b.dsl ...]
// Exit code 0 when every file parsed, 1 otherwise.
import com.structurizr.Workspace;
import com.structurizr.dsl.StructurizrDslParser;
import com.structurizr.model.Relationship;
import com.structurizr.view.View;
import java.io.File;

public class ParseDsl {
  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }

  public static void main(String[] args) {
    int failed = 0;
    for (String path : args) {
      try {
        StructurizrDslParser parser = new StructurizrDslParser();
        parser.parse(new File(path));
        Workspace w = parser.getWorkspace();
        StringBuilder views = new StringBuilder();
        for (View v : w.getViews().getViews()) {
          if (views.length() > 0) views.append(',');
          views.append(quote(v.getClass().getSimpleName() + ":" + v.getKey()));
        }
        StringBuilder rels = new StringBuilder();
        for (Relationship r : w.getModel().getRelationships()) {
          if (rels.length() > 0) rels.append(',');
          rels.append(quote(r.getSource().getName() + " -> " + r.getDestination().getName()));
        }
        System.out.println("{\"file\":" + quote(path) + ",\"ok\":true,\"name\":" + quote(w.getName())
            + ",\"people\":" + w.getModel().getPeople().size()
            + ",\"softwareSystems\":" + w.getModel().getSoftwareSystems().size()
            + ",\"elements\":" + w.getModel().getElements().size()
            + ",\"views\":[" + views + "],\"relationships\":[" + rels + "]}");
      } catch (Exception e) {
        failed++;
        System.out.println("{\"file\":" + quote(path) + ",\"ok\":false,\"error\":" + quote(String.valueOf(e.getMessage())) + "}");
      }
    }
    System.exit(failed == 0 ? 0 : 1);
  }
}
