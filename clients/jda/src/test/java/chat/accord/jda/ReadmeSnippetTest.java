package chat.accord.jda;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's JDA snippet is the code the suite runs: Accord.builder's chain, line by line. */
class ReadmeSnippetTest {
    @Test
    void readmeShowsAccordBuilder() throws IOException {
        String readme = Files.readString(Path.of("../../README.md"));
        int at = readme.indexOf("- **JDA");
        assertTrue(at >= 0, "the README has no JDA entry");
        int start = readme.indexOf("```java\n", at);
        int end = readme.indexOf("```", start + 8);
        assertTrue(start >= 0 && end > start, "the README's JDA entry has no java block");
        String source = Files.readString(Path.of("src/main/java/chat/accord/jda/Accord.java"));
        String builder = source.substring(source.indexOf("public static JDABuilder builder("));
        builder = builder.substring(0, builder.indexOf("\n    }\n"));

        List<String> lines = new ArrayList<>();
        for (String line : readme.substring(start + 8, end).split("\n")) {
            line = line.strip()
                    .replace("JDA jda = ", "")
                    .replace("\"http://127.0.0.1:8080/api/v10/\"", "base + \"/api/v10/\"")
                    .replace("\"http://127.0.0.1:8080\"", "base")
                    .replace("new Accord.Gateway(", "new Gateway(");
            if (!line.isEmpty() && !line.equals(".build();")) {
                lines.add(line);
            }
        }
        assertFalse(lines.isEmpty());
        for (String line : lines) {
            assertTrue(builder.contains(line.replaceAll(";$", "")),
                    "README line \"" + line + "\" is not in Accord.builder:\n" + builder);
        }
    }
}
