package imagejobs.shared.jobs;

import java.util.Locale;
import java.util.Optional;

/** The request-queue API's status set (do not rename: clients match on these strings). */
public enum JobStatus {
    QUEUED, PROCESSING, SUCCESS, FAILED, CANCELLED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean terminal() {
        return this == SUCCESS || this == FAILED || this == CANCELLED;
    }

    public static Optional<JobStatus> fromWire(String value) {
        for (JobStatus s : values()) {
            if (s.wire().equals(value)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
