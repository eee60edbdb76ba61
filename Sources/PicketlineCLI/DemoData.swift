import Foundation
import PicketlineCore

/// The demo data set: the London picket of the Kazakhstan Embassy (8 January 2022) and two
/// statements of that week, as reproduced by ecosocialist.scot. Kept in code so that the
/// binary needs no files beside it.
enum DemoData {
    static let actionSlug = "london-picket-kazakhstan-embassy-2022"
    static let campaign = CampaignDraft(
        name: "Solidarity with the Kazakhstan uprising", slug: "kazakhstan-solidarity",
        description: "Protests against the repression of the January 2022 uprising in Kazakhstan and the CSTO intervention.")

    /// (slug, name, kind, country, website)
    static let organisations: [OrganisationDraft] = [
        OrganisationDraft(name: "Anti*Capitalist Resistance", slug: "anticapitalist-resistance", kind: .party,
                          website: "https://anticapitalistresistance.org", country: "GB"),
        OrganisationDraft(name: "Ukraine Solidarity Campaign", slug: "ukraine-solidarity-campaign", kind: .campaign, country: "GB"),
        OrganisationDraft(name: "Labour Representation Committee", slug: "labour-representation-committee", kind: .campaign, country: "GB"),
        OrganisationDraft(name: "rs21", slug: "rs21", kind: .party, country: "GB"),
        OrganisationDraft(name: "Workers Power", slug: "workers-power", kind: .party, country: "GB"),
        OrganisationDraft(name: "Socialist Alternative", slug: "socialist-alternative", kind: .party, country: "GB"),
        OrganisationDraft(name: "Workers' Liberty", slug: "workers-liberty", kind: .party, country: "GB"),
        OrganisationDraft(name: "Ukrainian Social Movement", slug: "ukrainian-social-movement", kind: .party, country: "UA"),
        OrganisationDraft(name: "Russian Socialist Movement", slug: "russian-socialist-movement", kind: .party, country: "RU"),
        OrganisationDraft(name: "Executive Committee of the movement “Labor Russia”", slug: "labor-russia", kind: .campaign, country: "RU"),
        OrganisationDraft(name: "Altleft.org website editorial office", slug: "altleft-org", kind: .media, country: "RU"),
        OrganisationDraft(name: "Interregional Coalition of Left Forces “Left Bloc”", slug: "left-bloc", kind: .party, country: "RU"),
        OrganisationDraft(name: "Marxist Tendency", slug: "marxist-tendency", kind: .party, country: "RU"),
        OrganisationDraft(name: "Socialist Movement of Kazakhstan", slug: "socialist-movement-of-kazakhstan", kind: .party, country: "KZ"),
    ]

    static let supporters = ["ukraine-solidarity-campaign", "labour-representation-committee", "rs21", "workers-power",
                             "socialist-alternative", "workers-liberty"]

    static var action: ActionDraft {
        let zone = TimeZone(identifier: "Europe/London")!
        return ActionDraft(
            kind: .picket, title: "Picket of the Kazakhstan Embassy", slug: actionSlug,
            description: """
            Protest against the barbarous actions of the Kazakh regime against its own people, in solidarity with \
            the working-class uprising and against the Russian-led intervention. Called by Anti*Capitalist Resistance.
            """,
            target: "Embassy of the Republic of Kazakhstan",
            location: Location(venue: "Embassy of the Republic of Kazakhstan", addressLines: ["125 Pall Mall"],
                               locality: "London", postalCode: "SW1Y 5EA", country: "GB"),
            startsAt: CivilDateTime(year: 2022, month: 1, day: 8, hour: 12).instant(in: zone),
            endsAt: CivilDateTime(year: 2022, month: 1, day: 8, hour: 14).instant(in: zone),
            timeZone: "Europe/London", status: .confirmed, visibility: .public, campaign: campaign.slug,
            sourceURL: "https://anticapitalistresistance.org/london-picket-of-kazakhstan-embassy/")
    }

    static let lineup: [SpeakerDraft] = [
        SpeakerDraft(name: "Simon Hannah", organisation: "anticapitalist-resistance", role: .chair, state: .confirmed),
        SpeakerDraft(name: "Yuliya Yurchenko", organisation: "ukrainian-social-movement", state: .confirmed),
        SpeakerDraft(name: "Chris Ford", organisation: "ukraine-solidarity-campaign", state: .confirmed),
        SpeakerDraft(name: "Speaker from Socialist Alternative", organisation: "socialist-alternative", state: .confirmed),
        SpeakerDraft(name: "Pete Firmin", organisation: "labour-representation-committee", state: .confirmed),
        SpeakerDraft(name: "Steve McSweeney", organisation: "workers-power", state: .confirmed),
        SpeakerDraft(name: "Paul Mason", affiliation: "journalist, NUJ member", state: .confirmed),
    ]

    static let headcountNote = "Around 50 people braved teeming rain and the challenges of travelling during the pandemic."

    static let arrest = IncidentReport(
        kind: .arrest,
        occurredAt: CivilDateTime(year: 2022, month: 1, day: 8, hour: 13).instant(in: TimeZone(identifier: "Europe/London")!),
        description: """
        A protester amended the embassy's poster ("Kazakhstan a great place to visit" → "…to overthrow the president"). \
        Police arrested him and took him to Charing Cross police station, saying he would be charged with criminal \
        damage, although others removed the graffiti before he was taken away and took timed photographs showing \
        that no damage had been done.
        """,
        peopleConcerned: "One comrade (name withheld)")

    static let russianStatement = StatementDraft(
        title: "For a democratic and socialist Kazakhstan! Stop the intervention, release the detainees!",
        slug: "for-a-democratic-and-socialist-kazakhstan",
        body: """
        Mass protests have been going on in Kazakhstan for several days. The detonator of the uprising was the rise in \
        prices for liquefied gas, but it is obvious that the contradictions, which eventually led to a social explosion, \
        accumulated in Kazakhstan for years.

        At the moment, the protesters are forming their own self-governing bodies, in some cities administrative \
        buildings and offices of law enforcement agencies have been taken by storm.

        The vanguard of the protest is the working class, and we are convinced that only it will be able to carry \
        through to the end the democratic transformations, without which the struggle for freedom, democracy and \
        socialism is impossible.

        We stand in solidarity with the insurgent people of Kazakhstan, demanding:
        """,
        demands: [
            "Immediately release all detained protesters and political prisoners.",
            "Stop the military intervention of the CSTO member states.",
        ],
        issuedOn: "2022-01-06",
        sourceURL: "https://internationalviewpoint.org/spip.php?article7469",
        campaign: campaign.slug)

    static let russianSignatories = ["russian-socialist-movement", "labor-russia", "altleft-org", "left-bloc", "marxist-tendency"]

    static let kazakhStatement = StatementDraft(
        title: "Statement of the Socialist Movement of Kazakhstan",
        slug: "statement-of-the-socialist-movement-of-kazakhstan",
        body: """
        In Kazakhstan, there is now a real popular uprising. From the very beginning the protests were of a social and \
        class nature, as the doubling of the price of liquefied gas on the stock exchange was only the last straw in \
        the overflowing cup of patience. After all, the protests began in Zhanaozen on the initiative of oil workers, \
        which became a kind of political headquarters for the entire protest movement.

        In this situation there is a danger that all protests and strikes will be violently suppressed and the country \
        must be completely paralysed by a general strike. It is therefore urgent to form united action committees \
        along territorial and industrial lines to offer organized resistance to the military-police terror.

        The socialist movement in Kazakhstan demands:
        """,
        demands: [
            "An immediate cessation of hostilities against its people and the withdrawal of troops from the cities!",
            "The immediate resignation of all Nazarbayev officials, including President Tokayev!",
            "Release of all political prisoners and detainees!",
            "Ensuring the right to form their own trade unions, political parties, and to hold strikes and meetings!",
            "Legalisation of the activities of the banned Communist Party of Kazakhstan and the Socialist Movement of Kazakhstan!",
        ],
        sourceURL: "https://internationalviewpoint.org/spip.php?article7468",
        campaign: campaign.slug)
}
