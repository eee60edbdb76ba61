import CCurl

/// Runs `curl_global_init` exactly once per process.
enum CurlGlobal {
    // A static let is initialised lazily and exactly once, even under concurrent first use.
    private static let initResult: CURLcode = pl_global_init()

    /// Makes sure libcurl is initialised; cheap after the first call.
    static func ensureInitialized() {
        precondition(initResult == CURLE_OK, "curl_global_init failed")
    }
}
