package imagejobs.shared.edits;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class EditTriggerMetadataTest {

    @Test
    void nonAsciiMetadataComesBackRfc2047Encoded() {
        assertEquals("ajoute un chapeau d'été", EditTrigger.decodeHeaderValue("=?UTF-8?B?YWpvdXRlIHVuIGNoYXBlYXUgZCfDqXTDqQ==?="));
        assertEquals("été bleu", EditTrigger.decodeHeaderValue("=?UTF-8?Q?=C3=A9t=C3=A9_bleu?="));
        assertEquals("ab", EditTrigger.decodeHeaderValue("=?UTF-8?Q?a?= =?UTF-8?Q?b?="));
        assertEquals("add a hat", EditTrigger.decodeHeaderValue("add a hat"));
        assertEquals("=?broken", EditTrigger.decodeHeaderValue("=?broken"));
    }
}
