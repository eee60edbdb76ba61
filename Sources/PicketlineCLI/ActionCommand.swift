import ArgumentParser
import Foundation
import PicketlineCore
import PicketlineStore

/// `picketline action …`
struct ActionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "action",
        abstract: "Pickets, rallies, vigils and meetings.",
        discussion: """
        Example:
          picketline action create --title "Picket of the Kazakhstan Embassy" --kind picket \\
            --target "Embassy of Kazakhstan" --starts "2022-01-08 12:00" --ends "2022-01-08 14:00" \\
            --time-zone Europe/London --venue "Embassy of Kazakhstan" --address "125 Pall Mall" \\
            --locality London --postal-code "SW1Y 5EA" --country GB --status confirmed
        """,
        subcommands: [Create.self, List.self, Show.self, Update.self, Cancel.self, Endorse.self, Endorsements.self])

    /// Where an action happens, as flags.
    struct LocationOptions: ParsableArguments {
        @Option(help: "Venue name.") var venue: String?
        @Option(name: .customLong("address"), help: "An address line (repeat for several).") var addressLines: [String] = []
        @Option(help: "Town or city.") var locality: String?
        @Option(help: "Region or county.") var region: String?
        @Option(help: "Postal code.") var postalCode: String?
        @Option(help: "Two-letter country code.") var country: String?
        // Unconditional: the value may start with a minus sign (west, south), which would
        // otherwise be read as another option.
        @Option(parsing: .unconditional, help: "Latitude (with --longitude); south is negative.") var latitude: Double?
        @Option(parsing: .unconditional, help: "Longitude (with --latitude); west is negative.") var longitude: Double?
        @Flag(help: "Hide the address from the public until revealed (only the locality is shown).") var hideAddress = false

        var isEmpty: Bool {
            venue == nil && addressLines.isEmpty && locality == nil && region == nil && postalCode == nil
                && country == nil && latitude == nil && longitude == nil
        }

        var location: Location {
            Location(venue: venue, addressLines: addressLines, locality: locality, region: region, postalCode: postalCode,
                     country: country, latitude: latitude, longitude: longitude, isPublic: !hideAddress)
        }

        /// For `update`: only the options given, nil when none is (the address's visibility is
        /// `--hide-address`/`--reveal-address`, never a side effect of changing a field).
        func changes() throws -> LocationChanges? {
            guard !isEmpty else { return nil }
            var coordinates: LocationChanges.Coordinates??
            switch (latitude, longitude) {
            case let (latitude?, longitude?): coordinates = .some(.init(latitude: latitude, longitude: longitude))
            case (nil, nil): coordinates = nil
            case (nil, _): throw PicketlineError.invalid(field: "location.latitude", reason: "latitude and longitude go together")
            case (_, nil): throw PicketlineError.invalid(field: "location.longitude", reason: "latitude and longitude go together")
            }
            return LocationChanges(venue: venue, addressLines: addressLines.isEmpty ? nil : addressLines, locality: locality,
                                   region: region, postalCode: postalCode, country: country, coordinates: coordinates)
        }
    }

    struct Create: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "create", 
            abstract: "Register an action.",
            discussion: """
            Times are read in --time-zone unless they carry an offset ("2022-01-08T12:00:00Z").
            Example: picketline action create --title "Emergency picket" --starts "2026-12-05 12:00" --time-zone Europe/London --locality London
            """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Title.") var title: String
        @Option(help: "What kind of action.") var kind: ActionKind = .picket
        @Option(help: "URL name; derived from the title when omitted.") var slug: String?
        @Option(help: "Description.") var description: String?
        @Option(help: "Whom the action targets, e.g. \"Embassy of Kazakhstan\".") var target: String?
        @Option(help: "Start, e.g. \"2026-12-05 12:00\".") var starts: String
        @Option(help: "End, e.g. \"2026-12-05 14:00\".") var ends: String?
        @Option(help: "IANA time zone (default from configuration, e.g. Europe/London).") var timeZone: String?
        @Option(help: "tentative, confirmed or cancelled.") var status: ActionStatus = .tentative
        @Option(help: "public or private.") var visibility: Visibility = .public
        @Option(parsing: .unconditional, help: "Places available; RSVPs beyond are waitlisted.") var capacity: Int?
        @Option(help: "Campaign id or slug.") var campaign: String?
        @Option(help: "Where the call-out was published.") var sourceURL: String?
        @OptionGroup var location: LocationOptions

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let zoneID = try Validation.timeZone(timeZone ?? configuration.defaultTimeZone, field: "time_zone")
            let zone = TimeZone(identifier: zoneID)!
            let action = try await store.createAction(ActionDraft(
                kind: kind, title: title, slug: slug, description: description, target: target,
                location: location.location, startsAt: try Output.localTime(starts, in: zone, field: "starts_at"),
                endsAt: try ends.map { try Output.localTime($0, in: zone, field: "ends_at") },
                timeZone: zoneID, status: status, visibility: visibility, capacity: capacity, campaign: campaign,
                sourceURL: sourceURL))
            if output.json { try Output.json(action) } else {
                Output.line("created action \(action.slug) (id \(action.id)), \(Output.time(action.startsAt, in: action.zone))")
            }
        }
    }

    struct List: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "list", 
            abstract: "List actions, soonest first.",
            discussion: "Example: picketline action list --status confirmed --campaign kazakhstan-solidarity --upcoming")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Only this status.") var status: ActionStatus?
        @Option(help: "Only public or private ones.") var visibility: Visibility?
        @Option(help: "Only this campaign (id or slug).") var campaign: String?
        @Option(help: "Only actions this organisation endorses, confirmed (id or slug).") var organisation: String?
        @Flag(help: "Only actions that have not started yet.") var upcoming = false
        @Option(help: "Page (1-based).") var page = 1
        @Option(help: "Actions per page (1–100).") var perPage = 100

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let result = try await store.actions(
                ActionFilter(status: status, visibility: visibility, campaign: campaign, organisation: organisation,
                             startsAfter: upcoming ? Date() : nil),
                page: try PageRequest(page: page, perPage: perPage))
            if output.json { return try Output.json(result) }
            Output.table(["ID", "SLUG", "STARTS", "KIND", "STATUS", "TITLE"], result.items.map {
                [String($0.id), $0.slug, Output.time($0.startsAt, in: $0.zone), $0.kind.rawValue, $0.status.rawValue, Output.title($0)]
            })
            if result.totalPages > 1 { Output.line("page \(result.page) of \(result.totalPages) (\(result.total) actions)") }
        }
    }

    struct Show: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "show", 
            abstract: "Show an action with its endorsements, line-up and attendance.",
            discussion: "Example: picketline action show london-picket-kazakhstan-embassy-2022")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Action id or slug.") var action: String

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let action = try await store.action(action)
            let endorsements = try await store.endorsements(ofAction: action.slug, includeWithdrawn: false)
            let lineup = try await store.lineup(action: action.slug, includeWithdrawn: false)
            let summary = try await store.attendanceSummary(action: action.slug)
            if output.json {
                struct Detail: Encodable {
                    var action: Action
                    var endorsements: [EndorsingOrganisation]
                    var lineup: [LineupEntry]
                    var attendance: AttendanceSummary
                }
                return try Output.json(Detail(action: action, endorsements: endorsements, lineup: lineup, attendance: summary))
            }
            Output.fields([
                ("Action", action.title), ("Slug", action.slug), ("ID", String(action.id)),
                ("Kind", action.kind.rawValue), ("Status", action.status.rawValue), ("Visibility", action.visibility.rawValue),
                ("Target", action.target),
                ("Starts", Output.time(action.startsAt, in: action.zone)),
                ("Ends", action.endsAt.map { Output.time($0, in: action.zone) }),
                ("Time zone", action.timeZone),
                ("Where", action.location.summary + (action.location.isPublic ? "" : " (address hidden from the public)")),
                ("Capacity", action.capacity.map(String.init)),
                ("Source", action.sourceURL),
                ("Description", action.description),
            ])
            if !endorsements.isEmpty {
                Output.line("\nEndorsed by:")
                for entry in endorsements {
                    Output.line("  \(entry.organisation.name) — \(entry.endorsement.role.rawValue)\(entry.endorsement.state == .confirmed ? "" : " (\(entry.endorsement.state.rawValue))")")
                }
            }
            if !lineup.isEmpty {
                Output.line("\nLine-up:")
                for entry in lineup {
                    let affiliation = entry.affiliationText.map { " (\($0))" } ?? ""
                    Output.line("  \(entry.speaker.position). \(entry.speaker.name)\(affiliation) — \(entry.speaker.role.rawValue)\(entry.speaker.state == .confirmed ? "" : ", \(entry.speaker.state.rawValue)")")
                }
            }
            var counts = "\(summary.accepted) accepted, \(summary.tentative) tentative, \(summary.waitlisted) waitlisted, \(summary.attended) checked in"
            if let left = summary.placesLeft { counts += ", \(left) places left" }
            if let headcount = summary.latestHeadcount { counts += "; headcount \(headcount)" }
            Output.line("\nAttendance: \(counts)")
        }
    }

    struct Update: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "update", 
            abstract: "Change an action. Only the options given change.",
            discussion: """
            Location options change only the fields given: an empty value clears one ("--venue ''"),
            and --address replaces every address line. A hidden address stays hidden until
            --reveal-address; --hide-address hides it again.

            Example: picketline action update emergency-picket --starts "2026-12-05 13:00" --status confirmed
                     picketline action update emergency-picket --address "14 Other St" --reveal-address
            """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Action id or slug.") var action: String
        @Option(help: "New title (one line).") var title: String?
        @Option(help: "picket, rally, demonstration, vigil, meeting, online or other.") var kind: ActionKind?
        @Option(help: "New description; \"\" removes it.") var description: String?
        @Option(help: "Who or what the action is aimed at; \"\" removes it.") var target: String?
        @Option(help: "New start, read in the action's (or the new) time zone; without --ends the end moves with it (the length is kept).") var starts: String?
        @Option(help: "New end.") var ends: String?
        @Flag(help: "Remove the end (RSVPs then close three hours after the start).") var noEnd = false
        @Option(help: "New IANA time zone; the local times stay (12:00 stays 12:00, now in the new zone) unless --starts or --ends are given too.") var timeZone: String?
        @Option(help: "tentative, confirmed or cancelled (cancelled here records no reason: 'action cancel --reason' tells people why).") var status: ActionStatus?
        @Option(help: "public, or private (only organisers see it).") var visibility: Visibility?
        @Option(parsing: .unconditional, help: "Places available.") var capacity: Int?
        @Flag(help: "Remove the capacity limit.") var unlimited = false
        @Option(help: "Campaign id or slug; \"\" detaches.") var campaign: String?
        @Option(help: "Where the action was published (http or https URL); \"\" removes it.") var sourceURL: String?
        @Flag(help: "Show the address to the public.") var revealAddress = false
        @OptionGroup var location: LocationOptions

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let current = try await store.action(action)
            let zone = try timeZone.map { TimeZone(identifier: try Validation.timeZone($0, field: "time_zone"))! } ?? current.zone
            var changes = ActionChanges(
                kind: kind, title: title, description: description, target: target,
                location: try location.changes(),
                startsAt: try starts.map { try Output.localTime($0, in: zone, field: "starts_at") },
                endsAt: try ends.map { try Output.localTime($0, in: zone, field: "ends_at") },
                timeZone: timeZone, status: status, visibility: visibility,
                capacity: unlimited ? .some(nil) : capacity.map { .some($0) }, campaign: campaign, sourceURL: sourceURL)
            if revealAddress && location.hideAddress {
                throw PicketlineError.invalid(field: "reveal-address", reason: "give --reveal-address or --hide-address, not both")
            }
            if unlimited && capacity != nil {
                throw PicketlineError.invalid(field: "capacity", reason: "give --capacity or --unlimited, not both")
            }
            if revealAddress { changes.locationPublic = true } else if location.hideAddress { changes.locationPublic = false }
            if noEnd {
                guard ends == nil else { throw PicketlineError.invalid(field: "no-end", reason: "give --ends or --no-end, not both") }
                changes.removesEnd = true
            }
            guard !changes.isEmpty else {
                throw PicketlineError.invalid(field: "options", reason: "nothing to change; see picketline action update --help")
            }
            let updated = try await store.updateAction(current.slug, changes)
            if output.json { try Output.json(updated) } else { Output.line("updated \(updated.slug) (revision \(updated.revision))") }
        }
    }

    struct Cancel: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "cancel", 
            abstract: "Cancel an action (its reminders are suppressed, an action.cancelled notice goes out).",
            discussion: "Example: picketline action cancel emergency-picket --reason \"Called off: the council backed down\"")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Action id or slug.") var action: String
        @Option(help: "Why, for the notice.") var reason: String?

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let action = try await store.cancelAction(action, reason: reason)
            if output.json { try Output.json(action) } else { Output.line("cancelled \(action.slug)") }
        }
    }

    struct Endorse: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "endorse", 
            abstract: "Record an organisation's support for an action.",
            discussion: "Example: picketline action endorse london-picket-kazakhstan-embassy-2022 rs21 --role supporter --state confirmed")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Action id or slug.") var action: String
        @Argument(help: "Organisation id or slug.") var organisation: String
        @Option(help: "caller, co-organiser or supporter.") var role: EndorsementRole = .supporter
        @Option(help: "invited, confirmed or withdrawn.") var state: ParticipationState = .confirmed

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let endorsement = try await store.endorse(action: action, organisation: organisation, role: role, state: state)
            if output.json { try Output.json(endorsement) } else {
                Output.line("\(organisation) is now \(endorsement.role.rawValue) (\(endorsement.state.rawValue)) of \(action)")
            }
        }
    }

    struct Endorsements: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "endorsements", 
            abstract: "List the organisations endorsing an action, callers first.",
            discussion: "Example: picketline action endorsements london-picket-kazakhstan-embassy-2022")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Action id or slug.") var action: String
        @Flag(help: "Include withdrawn endorsements.") var all = false

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let endorsements = try await store.endorsements(ofAction: action, includeWithdrawn: all)
            if output.json { return try Output.json(endorsements) }
            Output.table(["ROLE", "STATE", "SLUG", "ORGANISATION"], endorsements.map {
                [$0.endorsement.role.rawValue, $0.endorsement.state.rawValue, $0.organisation.slug, $0.organisation.name]
            })
        }
    }
}

/// `picketline endorsement …`: state changes of an existing endorsement.
struct EndorsementCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "endorsement",
        abstract: "Confirm, withdraw or change an endorsement (add one with `action endorse`).",
        discussion: "Example: picketline endorsement confirm london-picket-kazakhstan-embassy-2022 rs21",
        subcommands: [Confirm.self, Withdraw.self, Change.self])

    struct Confirm: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "confirm", abstract: "Confirm an invited endorsement.",
                                                        discussion: "Example: picketline endorsement confirm <action> <organisation>")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Action id or slug.") var action: String
        @Argument(help: "Organisation id or slug.") var organisation: String

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let endorsement = try await store.setEndorsement(action: action, organisation: organisation, state: .confirmed, role: nil)
            Output.line("\(organisation): \(endorsement.role.rawValue), \(endorsement.state.rawValue)")
        }
    }

    struct Withdraw: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "withdraw", abstract: "Withdraw an endorsement.",
                                                        discussion: "Example: picketline endorsement withdraw <action> <organisation>")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Action id or slug.") var action: String
        @Argument(help: "Organisation id or slug.") var organisation: String

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let endorsement = try await store.setEndorsement(action: action, organisation: organisation, state: .withdrawn, role: nil)
            Output.line("\(organisation): \(endorsement.role.rawValue), \(endorsement.state.rawValue)")
        }
    }

    struct Change: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Change an endorsement's role and/or state.",
                                                        discussion: "Example: picketline endorsement set london-picket-kazakhstan-embassy-2022 rs21 --role co-organiser")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Action id or slug.") var action: String
        @Argument(help: "Organisation id or slug.") var organisation: String
        @Option(help: "The organisation's role in the action.") var role: EndorsementRole?
        @Option(help: "invited, confirmed or withdrawn.") var state: ParticipationState?

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            guard role != nil || state != nil else {
                throw PicketlineError.invalid(field: "role", reason: "give --role, --state or both")
            }
            let endorsement = try await store.setEndorsement(action: action, organisation: organisation, state: state, role: role)
            Output.line("\(organisation): \(endorsement.role.rawValue), \(endorsement.state.rawValue)")
        }
    }
}
