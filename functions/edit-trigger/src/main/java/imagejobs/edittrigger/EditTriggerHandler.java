package imagejobs.edittrigger;

import java.util.Map;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.S3Event;

import imagejobs.shared.log.StructuredLog;

/** Turns uploads under {@code edits/{tenant}/} into edit jobs (the S3-triggered edits issue fills this in). */
public final class EditTriggerHandler implements RequestHandler<S3Event, Void> {
    private static final StructuredLog LOG = StructuredLog.get(EditTriggerHandler.class);

    public EditTriggerHandler() {
        this(System.getenv());
    }

    public EditTriggerHandler(Map<String, String> environment) {
        // wiring arrives with the S3-triggered edits issue
    }

    @Override
    public Void handleRequest(S3Event event, Context context) {
        LOG.warn("S3-triggered edits are not enabled yet; event ignored",
                "records", event == null || event.getRecords() == null ? 0 : event.getRecords().size());
        return null;
    }
}
