import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#endif

/// What `prospectd backup` made.
public struct BackupReport: Sendable {
    public var path: String
    public var bytes: Int64
    /// The whole run: copy, check, rename.
    public var seconds: Double
    /// The copy alone, and the integrity check alone.
    public var copySeconds: Double
    public var checkSeconds: Double
}

extension Store {
    /// A consistent copy of the database at `path`, taken while the daemon runs and reps log:
    /// SQLite's online backup reads one snapshot (a WAL reader blocks no writer), into a file
    /// beside `destination` that must pass `integrity_check` before it is renamed into place.
    /// The live database is never the destination.
    public static func backup(databaseAt path: String, to destination: String) throws -> BackupReport {
        let start = ContinuousClock.now
        let source = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        let target = URL(fileURLWithPath: destination).standardizedFileURL
        guard FileManager.default.fileExists(atPath: source) else {
            throw StoreOpenError(path: path, reason: "it does not exist; is [daemon].database right?")
        }
        if target.resolvingSymlinksInPath().path == source {
            throw StoreOpenError(path: destination, reason: "it is the live database; back up to another file")
        }
        var isFolder: ObjCBool = false
        let folder = target.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw StoreOpenError(path: destination, reason: "its folder \(folder) does not exist")
        }
        let partial = target.path + ".partial-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: partial) }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(30)
        // The copy needs no journal while it is written: it is not in place until it is whole,
        // checked and synced.
        var scratch = Configuration()
        scratch.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = OFF")
            try db.execute(sql: "PRAGMA synchronous = OFF")
        }
        var copySeconds = 0.0
        var checkSeconds = 0.0
        do {
            let live = try DatabaseQueue(path: source, configuration: configuration)
            let copy = try DatabaseQueue(path: partial, configuration: scratch)
            let copyStart = ContinuousClock.now
            try live.backup(to: copy)
            copySeconds = Self.seconds(since: copyStart)
            let checkStart = ContinuousClock.now
            let check = try copy.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
            checkSeconds = Self.seconds(since: checkStart)
            guard check == ["ok"] else {
                throw StoreOpenError(path: destination, reason: "the copy failed its integrity check: \(check.prefix(3).joined(separator: "; "))")
            }
            // The copy is one self-contained file, whatever the live database's journal mode.
            try copy.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try copy.close()
            try live.close()
        } catch let error as StoreOpenError {
            throw error
        } catch let error as DatabaseError {
            throw StoreOpenError(path: destination, reason: StoreUnavailable(error)?.reason ?? "\(error)")
        }
        // On disk before it takes the old backup's place.
        let handle = Glibc.open(partial, O_RDONLY)
        if handle >= 0 {
            fsync(handle)
            Glibc.close(handle)
        }
        guard rename(partial, target.path) == 0 else {
            throw StoreOpenError(path: destination, reason: "the copy could not be moved into place: \(String(cString: strerror(errno)))")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: target.path)[.size] as? NSNumber)?.int64Value ?? 0
        return BackupReport(
            path: target.path,
            bytes: size,
            seconds: Self.seconds(since: start),
            copySeconds: copySeconds,
            checkSeconds: checkSeconds
        )
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
