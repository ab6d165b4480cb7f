package com.synapbackfill.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one parse of a JSON column: what readTree makes, duplicate keys counted, unused values past 1,000 levels left out. */
class MessageValuesTest {
    static final ObjectMapper READ_TREE = new ObjectMapper();

    @Test
    void buildsTheTreeReadTreeBuilds() throws Exception {
        for (String json : List.of("{\"a\":1,\"b\":[true,false,null,\"x\\u00e9\",2.5,-7,12345678901,123456789012345678901234567890],"
                + "\"c\":{\"d\":{\"e\":[]}},\"f\":{}}", "[1,[2,[3]],{\"k\":\"v\"}]", "\"just text\"", "42", "null", "[]", "  {\"a\" : 1}  ",
                "[{\"type\":\"text\",\"text\":\"Hello\"},\"plain\"]", "1.0E-7")) {
            assertThat(MessageValues.parse(json)).as(json).isEqualTo(READ_TREE.readTree(json));
        }
        assertThat(MessageValues.parse("")).as("an empty text is no value, as readTree has it").isEqualTo(READ_TREE.readTree(""));
        for (String bad : List.of("{not json", "[1,2", "{\"a\":}", "'single'")) {
            assertThat(MessageValues.parse(bad)).as(bad).isNull();
            assertThat(MessageValues.read(bad).problem()).as(bad).startsWith("not JSON: ");
        }
    }

    @Test
    void aKeyTwiceInOneObjectKeepsTheLastValueAndIsCountedWithWhereItWas() {
        long before = MessageValues.duplicateKeys();
        MessageValues.Parsed p = MessageValues.read("[{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"role\":\"assistant\",\"content\":\"draft\",\"content\":\"final\",\"meta\":{\"a/b\":1,\"a/b\":2}}]");
        assertThat(p.duplicateKeys()).isEqualTo(2);
        assertThat(p.node().at("/1/content").textValue()).as("the last value, as jsonb and JSON.parse read it").isEqualTo("final");
        assertThat(p.node().at("/1/meta/a~1b").intValue()).isEqualTo(2);
        assertThat(MessageValues.duplicateKeys() - before).isEqualTo(2);
        assertThat(MessageValues.firstDuplicateKey()).as("a pointer to the key, never its value").startsWith("/");
        MessageValues.Parsed alone = MessageValues.read("{\"content\":\"x\",\"content\":null}");
        assertThat(alone.duplicateKeys()).as("a null counts as a value").isEqualTo(1);
        assertThat(MessageValues.read("{\"a\":{\"k\":1},\"b\":{\"k\":1}}").duplicateKeys()).as("one key in two objects").isZero();
    }

    @Test
    void anUnusedValueNestedPastAThousandLevelsIsLeftOutAndTheRestIsRead() throws Exception {
        String deep = "[".repeat(1_500) + "]".repeat(1_500);
        String chat = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"tool_output\":" + deep + "},"
                + "{\"role\":\"assistant\",\"content\":\"hello\"}]}";
        assertThatThrownBy(() -> READ_TREE.readTree(chat)).as("what made the chat unreadable").hasMessageContaining("1000");
        MessageValues.Parsed p = MessageValues.read(chat);
        assertThat(p.problem()).isNull();
        assertThat(p.node().at("/messages/0/content").textValue()).isEqualTo("hi");
        assertThat(p.node().at("/messages/1/content").textValue()).isEqualTo("hello");
        assertThat(p.prunedDepth()).isEqualTo(1_001);
        JsonNode kept = p.node().at("/messages/0/tool_output");
        int depth = 0;
        for (JsonNode n = kept; n.isArray() && n.size() > 0; n = n.get(0)) depth++;
        assertThat(depth).as("arrays kept down to 1,000 levels from the top").isEqualTo(1_000 - 3 - 1);
    }

    @Test
    void aValuePastTheDepthTheParserWalksIsNotJsonAndSaysHowDeep() {
        String tooDeep = "[".repeat(MessageValues.MAX_READ_DEPTH + 1) + "]".repeat(MessageValues.MAX_READ_DEPTH + 1);
        MessageValues.Parsed p = MessageValues.read(tooDeep);
        assertThat(p.node()).isNull();
        assertThat(p.problem()).isEqualTo("nested deeper than 100,000 levels (Jackson's StreamReadConstraints maxNestingDepth)");
    }
}
