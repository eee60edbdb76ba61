@testable import PicketlineCLI
import PicketlineCore
import Testing

/// The settings file's TOML subset: a key, and a section header, may appear once (as in TOML);
/// a second used to win silently.
@Suite struct ConfigFileTests {
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
