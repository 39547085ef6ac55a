package imagejobs.testing;

import imagejobs.shared.google.BatchStore;

/** The fake batches table against the contract DynamoBatchStore also passes (local module). */
class InMemoryBatchStoreContractTest extends BatchStoreContract {
    @Override
    protected BatchStore createStore() {
        return new InMemoryBatchStore();
    }
}
