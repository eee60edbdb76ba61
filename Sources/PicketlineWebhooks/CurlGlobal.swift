import CCurl

/// Loads libcurl and runs `curl_global_init`, exactly once per process.
///
/// libcurl is opened with `dlopen` on first use (see `CCurl.h`), so a process that never sends
/// a webhook never maps it. When it cannot be loaded, webhook requests fail with `problem` as
/// their detail instead of the process stopping.
enum CurlGlobal {
    // A static let is initialised lazily and exactly once, even under concurrent first use.
    private static let loadProblem: String? = pl_curl_load().map { String(cString: $0) }

    /// `nil` once libcurl is ready; otherwise why it is not. Cheap after the first call.
    static var problem: String? { loadProblem }
}
