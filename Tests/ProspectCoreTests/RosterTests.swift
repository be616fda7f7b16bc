import Foundation
import Testing

@testable import ProspectCore

@Suite struct CSVTests {
    @Test func parsesQuotesCommasAndLineBreaksInsideFields() throws {
        let records = try CSV.parse("a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\n\"multi\nline\",z\n\n").get()
        #expect(records.map(\.fields) == [["a", "b"], ["x, y", "say \"hi\""], ["multi\nline", "z"]])
        #expect(records.map(\.line) == [1, 2, 3])
    }

    @Test func reportsTheLineOfMalformedCSV() {
        guard case .failure(let error) = CSV.parse("a,b\nc,\"open\nd,e\n") else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.line == 2)
        guard case .failure(let stray) = CSV.parse("a,b\nc,d\"x\"\n") else {
            Issue.record("expected a failure")
            return
        }
        #expect(stray.line == 2)
    }

    @Test func rendersWhatItParses() throws {
        let people = [
            Person(
                handle: "alice",
                name: "Alice \"Ace\", Jr.",
                email: "a@example.com",
                timezone: "America/New_York",
                manager: "carol",
                workdays: [.mon, .wed]
            )
        ]
        let rows = try RosterCSV.parse(RosterCSV.render(people)).get()
        #expect(rows.map(\.person) == people)
    }
}

@Suite struct RosterCSVTests {
    @Test func acceptsExtraColumnsInAnyOrder() throws {
        let text = "email,team,handle,name,workdays,role\nb@example.com,east,bob,Bob,sun;mon,manager\n"
        let rows = try RosterCSV.parse(text).get()
        #expect(rows.count == 1)
        #expect(rows[0].person.handle == "bob" && rows[0].person.role == .manager)
        #expect(rows[0].person.workdays == [.sun, .mon])
    }

    @Test func reportsEveryBadRowWithItsLine() {
        let text = """
            handle,name,email,timezone,manager,role,unix_user,workdays,calendar
            alice,Alice,alice@example.com,Europe/Copenhagen,,rep,,,
            Bad Handle,B,b@example.com,,,,,,
            carl,Carl,not-an-email,Mars/Base,,chief,,mon;funday,
            alice,Alice again,a2@example.com,,,,,,
            """
        guard case .failure(let errors) = RosterCSV.parse(text) else {
            Issue.record("expected a failure")
            return
        }
        #expect(
            errors.problems == [
                "line 3: handle 'Bad Handle' is not valid: use 1-32 lowercase letters, digits, '.', '_' or '-'",
                "line 4: email is not an address like name@example.com",
                "line 4: time zone 'Mars/Base' is unknown: use an IANA name like Europe/Copenhagen",
                "line 4: role 'chief' is unknown: use rep, manager or admin",
                "line 4: workdays entry 'funday' is not one of mon, tue, wed, thu, fri, sat, sun",
                "line 5: handle 'alice' is listed twice (first on line 2)",
            ]
        )
    }

    @Test func needsTheRequiredColumns() {
        guard case .failure(let errors) = RosterCSV.parse("handle,name\nx,y\n") else {
            Issue.record("expected a failure")
            return
        }
        #expect(
            errors.problems == [
                "line 1: the header lacks email; expected handle,name,email,timezone,manager,role,unix_user,workdays,calendar,slack,ntfy_topic"
            ]
        )
        guard case .failure(let empty) = RosterCSV.parse("") else {
            Issue.record("expected a failure")
            return
        }
        #expect(empty.problems.count == 1)
    }

    @Test func findsManagerCycles() {
        #expect(managerCycle(in: ["a": "b", "b": "c"]) == nil)
        #expect(managerCycle(in: ["a": "b", "b": "c", "c": "a"]) == ["a", "b", "c", "a"])
        #expect(PersonDraft(handle: "a", name: "A", email: "a@example.com", manager: "a").validated().isFailure)
    }

    @Test(arguments: ["alice", "a.b-c_d", "9lives"]) func acceptsHandles(_ h: String) { #expect(PersonField.isValidHandle(h)) }
    @Test(arguments: ["", "Alice", "-x", "a b", "ålice", String(repeating: "a", count: 33), "a;b"])
    func refusesHandles(_ h: String) { #expect(!PersonField.isValidHandle(h)) }
}

extension Result {
    var isFailure: Bool { if case .failure = self { true } else { false } }
}

@Suite struct PersonJSONTests {
    @Test func encodesWorkdaysInWeekOrderAndLeavesOutEmptyFields() throws {
        let person = Person(
            handle: "bob",
            name: "Bob",
            email: "bob@example.com",
            timezone: "Asia/Kolkata",
            workdays: [.thu, .sun, .mon]
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(person), as: UTF8.self)
        #expect(
            text
                == #"{"active":true,"email":"bob@example.com","handle":"bob","name":"Bob","role":"rep","timezone":"Asia\/Kolkata","workdays":["mon","thu","sun"]}"#
        )
        #expect(try JSONDecoder().decode(Person.self, from: Data(text.utf8)) == person)
    }
}
