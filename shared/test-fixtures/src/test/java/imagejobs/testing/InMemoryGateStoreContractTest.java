package imagejobs.testing;

import imagejobs.shared.limits.GateStore;

/** The in-memory store held to the same contract as the DynamoDB one. */
class InMemoryGateStoreContractTest extends GateStoreContract {
    private final InMemoryGateStore store = new InMemoryGateStore();

    @Override
    protected GateStore store() {
        return store;
    }
}
