import Foundation
import ProspectConfig
import ProspectCore
import ProspectStore

/// Everyone the engine plans for, loaded in one read: active reps with their work calendars,
/// and the manager chain for recipients.
public struct EngineRoster: Sendable {
    /// A rep held to the rule.
    public struct Rep: Sendable {
        public var id: Int64
        public var handle: String
        public var calendar: WorkCalendar
        /// The first day on record (``DayEvaluator/firstDay``).
        public var firstDay: LocalDate?
    }

    /// A person with at least one direct report whose role is `rep`: digests and take-stock steps.
    public struct Manager: Sendable {
        public var id: Int64
        public var handle: String
        public var calendar: WorkCalendar
        /// Direct reports with role `rep`, by handle.
        public var reps: [Int64]
    }

    public var reps: [Rep]
    public var managers: [Manager] = []
    /// Every active person by id (reps, managers, admins): the possible recipients.
    public var people: People
    /// Each person's manager, when they have one.
    public var managerOf: [Int64: Int64]
    var index: [Int64: Int]
    var managerIndex: [Int64: Int] = [:]

    public func rep(_ id: Int64) -> Rep? { index[id].map { reps[$0] } }
    public func manager(_ id: Int64) -> Manager? { managerIndex[id].map { managers[$0] } }

    /// People by id, held in one array: a dictionary of 100,000 `Person` values grew by doubling
    /// into fresh memory, and faulting those pages in was a sixth of a due step's time.
    public struct People: Sendable {
        private var list: [Person] = []
        private var position: [Int64: Int] = [:]

        init(capacity: Int) {
            list.reserveCapacity(capacity)
            position.reserveCapacity(capacity)
        }

        public subscript(id: Int64) -> Person? { position[id].map { list[$0] } }

        /// Adds `person` under `id`; a later add of the same id is the one found, as with a dictionary.
        mutating func add(_ person: Person, id: Int64) {
            position[id] = list.count
            list.append(person)
        }
    }

    /// The person a step addresses for a rep, or nil when the chain has no one there.
    public func recipient(of audience: LadderStep.Audience, for repID: Int64) -> Int64? {
        switch audience {
        case .rep: repID
        case .manager: managerOf[repID]
        case .managersManager: managerOf[repID].flatMap { managerOf[$0] }
        }
    }

}

extension EngineRoster {
    /// The roster from its stored records. Each rep's first day on record is the day they
    /// joined, or `firstDay` for all (a simulation's `--from`).
    public init(_ records: RosterRecords, config: Config, firstDay: LocalDate? = nil) {
        let timeOff = records.timeOff
        var reps: [Rep] = []
        reps.reserveCapacity(records.people.count)
        var people = People(capacity: records.people.count)
        var managerOf: [Int64: Int64] = [:]
        managerOf.reserveCapacity(records.people.count)
        var zones: [String: Zone] = [:]
        for (stored, managerID) in records.people {
            let id = stored.id
            let person = stored.person
            people.add(person, id: id)
            if let managerID { managerOf[id] = managerID }
            guard person.role == .rep else { continue }
            let zone: Zone
            if let cached = zones[person.timezone] {
                zone = cached
            } else {
                zone = config.zone(of: person)
                zones[person.timezone] = zone
            }
            let calendar = config.workCalendar(for: person, timeOff: timeOff[id] ?? [], zone: zone)
            let joined = firstDay ?? zone.localDate(of: stored.createdAt)
            reps.append(Rep(id: id, handle: person.handle, calendar: calendar, firstDay: joined))
        }
        let index = Dictionary(uniqueKeysWithValues: reps.enumerated().map { ($0.element.id, $0.offset) })
        var directReps: [Int64: [Int64]] = [:]
        for rep in reps { if let manager = managerOf[rep.id] { directReps[manager, default: []].append(rep.id) } }
        let managers = directReps.keys.sorted().compactMap { id -> Manager? in
            guard let person = people[id] else { return nil }
            let calendar = config.workCalendar(for: person, timeOff: timeOff[id] ?? [])
            return Manager(id: id, handle: person.handle, calendar: calendar, reps: directReps[id]!.sorted())
        }
        self.init(reps: reps, managers: managers, people: people, managerOf: managerOf, index: index)
        managerIndex = Dictionary(uniqueKeysWithValues: managers.enumerated().map { ($0.element.id, $0.offset) })
    }
}
