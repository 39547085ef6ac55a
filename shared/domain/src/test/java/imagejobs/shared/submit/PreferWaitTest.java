package imagejobs.shared.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.OptionalInt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PreferWaitTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "wait=10|10",
            "WAIT=10|10",
            "wait = 7|7",
            "wait=\"12\"|12",
            "respond-async, wait=5|5",
            "wait=5; foo=bar|5",
            "handling=lenient,wait=3|3",
            "wait=0|0",
            "wait=007|7",
            "wait=25|25",
            "wait=26|25",
            "wait=99999999999999999999|25",
            "wait=4, wait=9|4"})
    void theFirstWaitCountsCappedAtTheBound(String header, int expected) {
        assertEquals(OptionalInt.of(expected), PreferWait.seconds(header, 25));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "respond-async", "wait", "wait=", "wait=-1", "wait=1.5", "wait=ten", "wait=1s",
            "wait=abc, wait=5", "waiting=5"})
    void otherwiseNothingIsApplied(String header) {
        assertEquals(OptionalInt.empty(), PreferWait.seconds(header, 25));
    }

    @Test
    void noHeaderNoWait() {
        assertEquals(OptionalInt.empty(), PreferWait.seconds(null, 25));
    }
}
