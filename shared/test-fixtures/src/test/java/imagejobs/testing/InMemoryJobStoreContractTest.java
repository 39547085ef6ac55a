package imagejobs.testing;

import imagejobs.shared.jobs.JobStore;

/** The fake jobs table against the contract DynamoJobStore also passes (local module). */
class InMemoryJobStoreContractTest extends JobStoreContract {
    @Override
    protected JobStore createStore() {
        return new InMemoryJobStore();
    }
}
