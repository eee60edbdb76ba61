import Foundation

/// Field rules shared by the domain types. Each returns the cleaned value or throws
/// `PicketlineError.invalid` naming the field.
public enum Validation {
    /// Trims whitespace and refuses an empty result.
    public static func required(_ value: String, field: String, maxLength: Int = 500) throws -> String {
        let trimmed = value.trimmedWhitespace
        guard !trimmed.isEmpty else { throw PicketlineError.invalid(field: field, reason: "must not be empty") }
        guard trimmed.utf8.count <= maxLength || trimmed.count <= maxLength else {
            throw PicketlineError.invalid(field: field, reason: "must be at most \(maxLength) characters")
        }
        try refuseControlCharacters(trimmed, field: field)
        return trimmed
    }

    /// `required` for one line of text (a name, a title): line breaks are refused too, since the
    /// value goes into tables, CSV rows, calendar summaries and chat lines.
    public static func line(_ value: String, field: String, maxLength: Int = 500) throws -> String {
        let text = try required(value, field: field, maxLength: maxLength)
        try refuseLineBreaks(text, field: field)
        return text
    }

    /// `optional` for one line of text.
    public static func optionalLine(_ value: String?, field: String, maxLength: Int = 500) throws -> String? {
        guard let text = try optional(value, field: field, maxLength: maxLength) else { return nil }
        try refuseLineBreaks(text, field: field)
        return text
    }

    static func refuseLineBreaks(_ text: String, field: String) throws {
        if text.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) {
            throw PicketlineError.invalid(field: field, reason: "must be one line (no line breaks)")
        }
    }

    /// Control characters other than tab and line breaks (a NUL, an escape) have no place in
    /// text people read; they would reach CSV, iCalendar and chat messages as they are.
    static func refuseControlCharacters(_ text: String, field: String) throws {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return }
        for byte in text.utf8 where (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D) || byte == 0x7F {
            throw PicketlineError.invalid(field: field, reason: "must not contain control characters (found U+\(String(format: "%04X", byte)))")
        }
    }

    /// Trims whitespace; an empty or nil value becomes nil.
    public static func optional(_ value: String?, field: String, maxLength: Int = 20_000) throws -> String? {
        guard let trimmed = value?.trimmedWhitespace, !trimmed.isEmpty else { return nil }
        // Counting characters walks grapheme clusters; no more bytes than the limit settles it first.
        guard trimmed.utf8.count <= maxLength || trimmed.count <= maxLength else {
            throw PicketlineError.invalid(field: field, reason: "must be at most \(maxLength) characters")
        }
        try refuseControlCharacters(trimmed, field: field)
        return trimmed
    }

    /// A practical e-mail check: one `@`, a non-empty local part, a dotted domain, no spaces.
    public static func email(_ value: String?, field: String) throws -> String? {
        guard let email = try optional(value, field: field, maxLength: 254) else { return nil }
        let parts = email.utf8.split(separator: UInt8(ascii: "@"), omittingEmptySubsequences: false)
        let dot = UInt8(ascii: ".")
        // By byte: `Substring.contains(".")` goes through Foundation's string search.
        let valid = parts.count == 2
            && !parts[0].isEmpty
            && parts[1].contains(dot) && parts[1].first != dot && parts[1].last != dot
            && !email.unicodeScalars.contains(where: Self.forbiddenInEmail)
        guard valid else { throw PicketlineError.invalid(field: field, reason: "\(email.debugDescription) is not an e-mail address") }
        return email.lowercased()
    }

    /// Whitespace and the separators of address lists. By scalar, with ASCII decided without a
    /// Unicode property lookup: the `Character` form of this check was a visible part of an RSVP.
    private static func forbiddenInEmail(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", "\n", "\r", "\u{0B}", "\u{0C}", ",", ";", "<", ">": return true
        default: return scalar.isASCII ? false : scalar.properties.isWhitespace
        }
    }

    /// A phone number: digits with optional leading `+` and the usual separators.
    public static func phone(_ value: String?, field: String) throws -> String? {
        guard let phone = try optional(value, field: field, maxLength: 40) else { return nil }
        let allowed = CharacterSet(charactersIn: "+0123456789 ()-.")
        let digits = phone.filter(\.isNumber).count
        guard phone.unicodeScalars.allSatisfy(allowed.contains), digits >= 5, !phone.dropFirst().contains("+") else {
            throw PicketlineError.invalid(field: field, reason: "\(phone.debugDescription) is not a phone number")
        }
        return phone
    }

    /// A phone number as it is compared: its digits, with a leading `+` kept. "+44 7700 900123"
    /// and "+447700900123" are the same number; "07700 900123" (no country code) is not taken
    /// for it, since the country it assumes is not known.
    public static func phoneKey(_ phone: String) -> String {
        String(phone.filter { $0.isASCII && ($0.isNumber || $0 == "+") })
    }

    /// An absolute http(s) URL.
    public static func url(_ value: String?, field: String) throws -> String? {
        guard let text = try optional(value, field: field, maxLength: 2_000) else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
        else { throw PicketlineError.invalid(field: field, reason: "\(text.debugDescription) is not an http(s) URL") }
        return text
    }

    /// An IANA time zone identifier that this system knows.
    public static func timeZone(_ value: String, field: String) throws -> String {
        let id = try required(value, field: field, maxLength: 64)
        guard TimeZone(identifier: id) != nil, id.contains("/") || id == "UTC" || id == "GMT" else {
            throw PicketlineError.invalid(field: field, reason: "\(id.debugDescription) is not an IANA time zone (e.g. Europe/London)")
        }
        return id
    }

    /// A slug: lower-case letters, digits and single hyphens.
    public static func slug(_ value: String, field: String) throws -> String {
        let slug = try required(value, field: field, maxLength: 120)
        let ok = slug.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
            && !slug.hasPrefix("-") && !slug.hasSuffix("-") && !slug.contains("--")
        guard ok else {
            throw PicketlineError.invalid(field: field, reason: "\(slug.debugDescription) must be lower-case letters, digits and single hyphens")
        }
        guard !slug.allSatisfy(\.isNumber) else {
            throw PicketlineError.invalid(field: field, reason: "must not be only digits (it would look like an id)")
        }
        return slug
    }

    /// A two-letter ISO 3166-1 country code, upper-cased.
    public static func country(_ value: String?, field: String) throws -> String? {
        guard let code = try optional(value, field: field, maxLength: 2)?.uppercased() else { return nil }
        guard code.count == 2, code.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) }) else {
            throw PicketlineError.invalid(field: field, reason: "must be a two-letter country code such as GB")
        }
        return code
    }
}

/// Turns a title into a URL-friendly slug ("Picket of the Embassy!" → "picket-of-the-embassy").
///
/// Other scripts are transliterated first ("Пикет у посольства" → piket-u-posolstva). A title that
/// gives no letters or digits becomes `kind`, and one of digits only `kind-digits` (a slug of
/// digits alone would read as an id).
public func slugify(_ text: String, maxLength: Int = 80, kind: String = "item") -> String {
    let latin = text.unicodeScalars.contains { $0.value > 0x7F }
        ? text.applyingTransform(StringTransform("Any-Latin; Latin-ASCII"), reverse: false) ?? text : text
    let folded = latin.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "en"))
    var slug = ""
    var pendingHyphen = false
    for scalar in folded.lowercased().unicodeScalars {
        if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
            if pendingHyphen && !slug.isEmpty { slug.append("-") }
            pendingHyphen = false
            slug.unicodeScalars.append(scalar)
        } else if scalar != "'" && scalar != "’" {
            pendingHyphen = true
        }
        if slug.count >= maxLength { break }
    }
    while slug.hasSuffix("-") { slug.removeLast() }
    if slug.isEmpty { return kind }
    return slug.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) ? "\(kind)-\(slug)" : slug
}

extension String {
    /// Without leading and trailing whitespace and newlines. Most values have none, and checking
    /// the two ends first skips Foundation's trimming, which showed in profiles of every RSVP;
    /// ends that are ASCII are checked by byte, without `CharacterSet`.
    public var trimmedWhitespace: String {
        if let first = utf8.first, let last = utf8.last, first < 0x80, last < 0x80,
           !Self.isASCIIWhitespace(first), !Self.isASCIIWhitespace(last) {
            return self
        }
        let set = CharacterSet.whitespacesAndNewlines
        guard let first = unicodeScalars.first, let last = unicodeScalars.last, !set.contains(first), !set.contains(last) else {
            return trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return self
    }

    /// Tab, line feed, vertical tab, form feed, carriage return and space: the ASCII members of
    /// `CharacterSet.whitespacesAndNewlines`.
    private static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }
}
