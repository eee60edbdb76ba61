import Foundation

/// Where an action happens. When `isPublic` is false the public sees only the locality and
/// country until the organisers reveal the address (pickets sometimes need that).
public struct Location: Codable, Sendable, Equatable {
    public var venue: String?
    public var addressLines: [String]
    public var locality: String?
    public var region: String?
    public var postalCode: String?
    public var country: String?
    public var latitude: Double?
    public var longitude: Double?
    public var isPublic: Bool

    public init(venue: String? = nil, addressLines: [String] = [], locality: String? = nil, region: String? = nil,
                postalCode: String? = nil, country: String? = nil, latitude: Double? = nil,
                longitude: Double? = nil, isPublic: Bool = true) {
        self.venue = venue; self.addressLines = addressLines; self.locality = locality; self.region = region
        self.postalCode = postalCode; self.country = country; self.latitude = latitude
        self.longitude = longitude; self.isPublic = isPublic
    }

    /// Returns the location cleaned and checked, or throws naming the bad field.
    public func validated() throws -> Location {
        var result = self
        result.venue = try Validation.optional(venue, field: "location.venue", maxLength: 300)
        result.addressLines = try addressLines.enumerated().compactMap { index, line in
            try Validation.optional(line, field: "location.address_lines[\(index)]", maxLength: 300)
        }
        result.locality = try Validation.optional(locality, field: "location.locality", maxLength: 200)
        result.region = try Validation.optional(region, field: "location.region", maxLength: 200)
        result.postalCode = try Validation.optional(postalCode, field: "location.postal_code", maxLength: 20)
        result.country = try Validation.country(country, field: "location.country")
        if (latitude == nil) != (longitude == nil) {
            throw PicketlineError.invalid(field: latitude == nil ? "location.latitude" : "location.longitude",
                                          reason: "latitude and longitude go together")
        }
        if let latitude, !(-90...90).contains(latitude) {
            throw PicketlineError.invalid(field: "location.latitude", reason: "must be between -90 and 90")
        }
        if let longitude, !(-180...180).contains(longitude) {
            throw PicketlineError.invalid(field: "location.longitude", reason: "must be between -180 and 180")
        }
        return result
    }

    /// What may be shown to the public: the address is withheld until revealed.
    public var publicView: Location {
        guard !isPublic else { return self }
        return Location(locality: locality, region: region, country: country, isPublic: false)
    }

    /// One line for humans: "Embassy of Kazakhstan, 125 Pall Mall, London SW1Y 5EA".
    public var summary: String {
        let place = [locality, postalCode].compactMap { $0 }.joined(separator: " ")
        return ([venue] + addressLines.map(Optional.some) + [place.isEmpty ? nil : place, country])
            .compactMap { $0 }.joined(separator: ", ")
    }
}

/// A change to some fields of a location; the rest stay. A field given empty (or, for the
/// coordinates, `.some(nil)`) clears it; `isPublic` is changed only through
/// `ActionChanges.locationPublic`, so that changing an address never reveals a hidden one.
public struct LocationChanges: Codable, Sendable, Equatable {
    public var venue: String?
    /// Replaces every line; empty removes them.
    public var addressLines: [String]?
    public var locality: String?
    public var region: String?
    public var postalCode: String?
    public var country: String?
    /// Both or neither; `.some(nil)` removes them.
    public var coordinates: Coordinates??

    public struct Coordinates: Codable, Sendable, Equatable {
        public var latitude: Double
        public var longitude: Double
        public init(latitude: Double, longitude: Double) { self.latitude = latitude; self.longitude = longitude }
    }

    public init(venue: String? = nil, addressLines: [String]? = nil, locality: String? = nil, region: String? = nil,
                postalCode: String? = nil, country: String? = nil, coordinates: Coordinates?? = nil) {
        self.venue = venue; self.addressLines = addressLines; self.locality = locality; self.region = region
        self.postalCode = postalCode; self.country = country; self.coordinates = coordinates
    }

    /// True when no field changes.
    public var isEmpty: Bool { self == LocationChanges() }

    /// `location` with these fields changed (not yet validated).
    public func applied(to location: Location) -> Location {
        var result = location
        if let venue { result.venue = venue }
        if let addressLines { result.addressLines = addressLines }
        if let locality { result.locality = locality }
        if let region { result.region = region }
        if let postalCode { result.postalCode = postalCode }
        if let country { result.country = country }
        if let coordinates {
            result.latitude = coordinates?.latitude
            result.longitude = coordinates?.longitude
        }
        return result
    }
}
