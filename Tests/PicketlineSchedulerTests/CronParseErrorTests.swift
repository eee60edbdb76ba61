import PicketlineScheduler
import Testing

/// Each way an expression is rejected, with the exact message a person would see.
struct CronParseErrorTests {
    static func message(_ text: String) -> String? {
        do {
            _ = try CronExpression(text)
            return nil
        } catch {
            return error.description
        }
    }

    @Test(arguments: [
        ("", "expression: expected 5 fields, got 0"),
        ("* * * *", "expression: expected 5 fields, got 4"),
        ("0 * * * * *", "expression: expected 5 fields, got 6 (a seconds field is not supported)"),
        ("@fortnightly", "expression: unknown macro @fortnightly; use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly"),
        ("@reboot", "expression: @reboot has no fire times; it runs when cron starts"),
        ("@daily 5", "expression: unexpected text after @daily"),
    ])
    func wholeExpressionErrors(text: String, message: String) {
        #expect(Self.message(text) == message)
    }

    @Test(arguments: [
        ("60 * * * *", "minute: 60 is out of range 0-59"),
        ("99999999999999999999 * * * *", "minute: 99999999999999999999 is out of range 0-59"),
        ("* 24 * * *", "hour: 24 is out of range 0-23"),
        ("0 0 32 * *", "day-of-month: 32 is out of range 1-31"),
        ("0 0 0 * *", "day-of-month: 0 is out of range 1-31"),
        ("0 0 * 13 *", "month: 13 is out of range 1-12"),
        ("0 0 * 0 *", "month: 0 is out of range 1-12"),
        ("0 0 * * 8", "day-of-week: 8 is out of range 0-7"),
        ("0 0 1-32 * *", "day-of-month: 32 is out of range 1-31"),
    ])
    func outOfRangeValues(text: String, message: String) {
        #expect(Self.message(text) == message)
    }

    @Test(arguments: [
        ("*/0 * * * *", "minute: */0: step must be at least 1"),
        ("*/ * * * *", "minute: */: step is missing after /"),
        ("*/x * * * *", "minute: */x: step x is not a number"),
        ("0 1-5/-1 * * *", "hour: 1-5/-1: step -1 is not a number"),
    ])
    func badSteps(text: String, message: String) {
        #expect(Self.message(text) == message)
    }

    @Test(arguments: [
        ("5-1 * * * *", "minute: range 5-1 is reversed"),
        ("0 0 * dec-jan *", "month: range dec-jan is reversed"),
        ("0 0 * * fri-mon", "day-of-week: range fri-mon is reversed"),
        ("0 0 * * mon-sun", "day-of-week: range mon-sun is reversed; write mon-7 to end on Sunday"),
        ("-1 * * * *", "minute: -1: range is missing its start"),
        ("1- * * * *", "minute: 1-: range is missing its end"),
        ("*-5 * * * *", "minute: *-5: * cannot be combined with a range or a name"),
        ("1-2-3 * * * *", "minute: 2-3 is not a number"),
    ])
    func badRanges(text: String, message: String) {
        #expect(Self.message(text) == message)
    }

    @Test(arguments: [
        ("1,,2 * * * *", "minute: empty item in list 1,,2"),
        ("1, * * * *", "minute: empty item in list 1,"),
        ("0 ,3 * * *", "hour: empty item in list ,3"),
    ])
    func emptyListItems(text: String, message: String) {
        #expect(Self.message(text) == message)
    }

    @Test(arguments: [
        ("0 0 * jnu *", "month: jnu is not a month; use 1-12 or JAN-DEC"),
        ("0 0 * JANUARY *", "month: JANUARY is not a month; use 1-12 or JAN-DEC"),
        ("0 0 * mon *", "month: mon is not a month; use 1-12 or JAN-DEC"),
        ("0 0 * * monday", "day-of-week: monday is not a weekday; use 0-7 or SUN-SAT"),
        ("0 0 * * jan", "day-of-week: jan is not a weekday; use 0-7 or SUN-SAT"),
        ("0 0 ? * *", "day-of-month: ? is not supported; use *"),
        ("a * * * *", "minute: a is not a number"),
        ("0 0 15W * *", "day-of-month: 15W is not a day of the month; use 1-31, L or LW"),
    ])
    func badNames(text: String, message: String) {
        #expect(Self.message(text) == message)
    }

    @Test(arguments: [
        ("0 0 * * 2#6", "day-of-week: 2#6: occurrence 6 is out of range 1-5"),
        ("0 0 * * 2#0", "day-of-week: 2#0: occurrence 0 is out of range 1-5"),
        ("0 0 * * 2#", "day-of-week: 2#: # needs an occurrence 1-5 after it, e.g. 2#2 for the second Tuesday"),
        ("0 0 * * 2#x", "day-of-week: 2#x: occurrence x is not a number"),
        ("0 0 * * 9#1", "day-of-week: 9 is out of range 0-7"),
        ("0 0 * * 1-5#2", "day-of-week: 1-5 is not a weekday; use 0-7 or SUN-SAT"),
        ("0 0 1#2 * *", "day-of-month: 1#2: # is only allowed in day-of-week, e.g. 2#2"),
    ])
    func badNthWeekday(text: String, message: String) {
        #expect(Self.message(text) == message)
    }

    @Test(arguments: [
        ("L * * * *", "minute: L: L is only allowed in day-of-month and day-of-week"),
        ("0 L * * *", "hour: L: L is only allowed in day-of-month and day-of-week"),
        ("0 0 * L *", "month: L: L is only allowed in day-of-month and day-of-week"),
        ("0 0 * * L", "day-of-week: L: L in day-of-week goes after a weekday number, e.g. 5L for the last Friday"),
        ("0 0 * * FRIL", "day-of-week: FRIL: L in day-of-week goes after a weekday number, e.g. 5L for the last Friday"),
        ("0 0 * * 8L", "day-of-week: 8 is out of range 0-7"),
        ("0 0 5L * *", "day-of-month: 5L is not a day of the month; use 1-31, L or LW"),
        ("0 0 L-5 * *", "day-of-month: L-5: L cannot be part of a range or a step"),
        ("0 0 L/2 * *", "day-of-month: L/2: L cannot be part of a range or a step"),
    ])
    func lastInTheWrongPlace(text: String, message: String) {
        #expect(Self.message(text) == message)
    }

    @Test(arguments: [
        ("0 0 30 2 *", "day-of-month: 30 never occurs in February"),
        ("0 0 31 4 *", "day-of-month: 31 never occurs in April"),
        ("0 0 31 feb,apr,jun *", "day-of-month: 31 never occurs in February, April or June"),
        ("0 0 30,31 2 *", "day-of-month: none of 30,31 occurs in February"),
        ("0 0 31 4 */2", "day-of-month: 31 never occurs in April"),
    ])
    func daysPastTheEndOfEverySelectedMonth(text: String, message: String) {
        #expect(Self.message(text) == message)
    }

    @Test func errorsNameFieldTokenAndReason() {
        #expect(throws: CronParseError(field: "day-of-month", token: "32", reason: "32 is out of range 1-31")) {
            try CronExpression("0 0 1,32 * *")
        }
        #expect(throws: CronParseError(field: "minute", token: "5-1", reason: "range 5-1 is reversed")) {
            try CronExpression("5-1 * * * *")
        }
        #expect(throws: CronParseError(field: "expression", token: "* * * *", reason: "expected 5 fields, got 4")) {
            try CronExpression("* * * *")
        }
    }
}
