package imagejobs.testing;

import imagejobs.shared.storage.ObjectStore;

/** The fake bucket against the contract S3ObjectStore also passes (local module). */
class InMemoryObjectStoreContractTest extends ObjectStoreContract {
    @Override
    protected ObjectStore createStore() {
        return new InMemoryObjectStore();
    }
}
