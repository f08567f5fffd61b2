// Brings cdktf's jest matcher typings (toHaveResource, ...) into every test file.
import 'cdktf/lib/testing/adapters/jest';
