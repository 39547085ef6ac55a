package imagejobs.testing;

import imagejobs.shared.auth.KeyStore;

/** The fake keys table against the contract DynamoKeyStore also passes (local module). */
class InMemoryKeyStoreContractTest extends KeyStoreContract {
    @Override
    protected KeyStore createStore() {
        return new InMemoryKeyStore();
    }
}
