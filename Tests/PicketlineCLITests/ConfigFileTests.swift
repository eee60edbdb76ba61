@testable import PicketlineCLI
import PicketlineCore
import Testing

/// The settings file's TOML subset: a key, and a section header, may appear once (as in TOML);
/// a second used to win silently.
@Suite struct ConfigFileTests {
    /// `config check` prints every setting there is, in the table's order (QA: it left out
    /// http.cors_origins, which its hand-written list had missed).
    @Test func configCheckPrintsEverySettingTheTableKnows() throws {
        var configuration = Configuration()
        try configuration.set("http.cors_origins", "https://a.example.org", source: "test")
        #expect(configuration.effectiveSettings.map(\.0) == Configuration.keys.map(\.key))
        #expect(configuration.effectiveSettings.first { $0.0 == "http.cors_origins" }?.1 == "https://a.example.org")
    }

    @Test func aKeySetTwiceIsRefusedNamingBothLines() {
        #expect(throws: PicketlineError.invalid(field: "config", reason: "d.toml:3: http.port is already set on line 2")) {
            try ConfigFile.parse("[http]\nport = 8080\nport = 8081\n", name: "d.toml")
        }
    }

    @Test func aSectionHeaderRepeatedIsRefusedNamingBothLines() {
        #expect(throws: PicketlineError.invalid(field: "config", reason: "d.toml:3: [http] already appears on line 1")) {
            try ConfigFile.parse("[http]\nport = 8080\n[http]\nhost = \"0.0.0.0\"\n", name: "d.toml")
        }
    }

    @Test func theSameKeyInTwoSectionsIsTwoKeys() throws {
        let entries = try ConfigFile.parse("[http]\nport = 8080\n[metrics]\nport = 9090\n", name: "d.toml")
        #expect(entries.map(\.key) == ["http.port", "metrics.port"])
    }
}
