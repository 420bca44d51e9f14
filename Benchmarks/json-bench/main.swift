// JSON benchmark: on a hub payload of 8,000+ links (~10 MB), how long the client takes to
// validate + extract + splice + produce the output bytes, against CPython's json.loads +
// json.dumps of the same file, measured in the same run. Usage:
//   swift run -c release json-bench [--links N] [--iterations N]
import Foundation
import JiraResilient
import JiraSimulator

var links = 8_300
var iterations = 15
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    switch flag {
    case "--links": links = Int(arguments.popFirst() ?? "") ?? links
    case "--iterations": iterations = Int(arguments.popFirst() ?? "") ?? iterations
    default: print("usage: json-bench [--links N] [--iterations N]"); exit(2)
    }
}

// A universe with one hub of `links` links; render it as JIRA's GET /issue would.
var project = Scenario.Project(key: "HUB", name: "Hub", issueCount: max(links / 3, 200))
project.hubLinks = [links]
var scenario = Scenario(name: "json-bench", summary: "", projects: [project])
scenario.seed = 5
let universe = DataGenerator.universe(for: scenario)
let hub = universe.issues.values.max { $0.linkIDs.count < $1.linkIDs.count }!
let renderer = IssueRenderer(universe: universe, baseURL: "https://jira.example.invalid", offsetMinutes: -360)
func render(_ fields: [String], _ expand: Set<String>) -> [UInt8] {
    var json = JSONBuilder(capacity: 16 << 20)
    renderer.writeIssue(
        hub, into: &json, selection: .init(fields, defaultAll: true), expand: expand, caps: .issue,
        withNamesAndSchema: true)
    return json.bytes
}
let full = render(["*all"], ["changelog", "names", "schema"])
let base = render(["*all", "-issuelinks"], ["changelog", "names", "schema"])
let linksOnly = render(["issuelinks"], [])
let path = FileManager.default.temporaryDirectory.appendingPathComponent("jira-resilient-hub.json").path
_ = FileManager.default.createFile(atPath: path, contents: Data(full))
print(
    String(
        format: "payload: %.1f MB, %d links (hub-base %.1f MB + links-only %.1f MB)",
        Double(full.count) / 1e6, hub.linkIDs.count, Double(base.count) / 1e6, Double(linksOnly.count) / 1e6))

func time(_ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    try body()
    let d = clock.now - start
    return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
}
func median(_ samples: [Double]) -> Double { samples.sorted()[samples.count / 2] }
if CommandLine.arguments.contains("--profile") || ProcessInfo.processInfo.environment["JSON_BENCH_PROFILE"] != nil {
    for _ in 0..<3 {
        let v = time { _ = try! JSONDocument(validating: full) }
        let p = time { _ = try! IssueJSON.parse(full) }
        let doc = try! JSONDocument(validating: full)
        let f = time { _ = doc.withScanner { s in s.skip(at: 0) } }
        let c = time { _ = Array(full[0..<full.count]) }
        print(String(format: "validate %.1f  parseIssue %.1f  fastskip %.1f  copy %.1f ms", v, p, f, c))
    }
}

// What `JiraClient.complete` does with each response, end to end:
// 1. Full tier: validate and read id/key/updated/counts in one pass, splice (drop names/schema),
//    produce the output bytes, and validate + summarise the output (the written record's check).
// 2. Hub tier: the same for the hub-base response and the links-only response, with the links
//    spliced into place.
var pipelineFull: [Double] = [], pipelineHub: [Double] = []
var outputBytes = 0
for _ in 0..<iterations {
    pipelineFull.append(
        try time {
            let parsed = try IssueJSON.parse(full)
            precondition(parsed.summary.links == hub.linkIDs.count)
            var assembler = IssueAssembler(parsed: parsed)
            assembler.dropping = ["names", "schema"]
            let out = try assembler.assemble()
            let check = try IssueJSON.parse(out).summary.links
            precondition(check == hub.linkIDs.count)
            outputBytes = out.count
        })
    pipelineHub.append(
        try time {
            let parsed = try IssueJSON.parse(base)
            let fetched = try IssueJSON.issueLinks(linksOnly)
            var assembler = IssueAssembler(parsed: parsed)
            assembler.issueLinks = fetched.array
            assembler.dropping = ["names", "schema"]
            let out = try assembler.assemble()
            let check = try IssueJSON.parse(out).summary.links
            precondition(check == hub.linkIDs.count)
        })
}

// Foundation, for reference.
var foundation: [Double] = []
for _ in 0..<max(3, iterations / 3) {
    foundation.append(
        try time {
            let object = try JSONSerialization.jsonObject(with: Data(full))
            _ = try JSONSerialization.data(withJSONObject: object)
        })
}

// CPython in the same run, on the same file.
let script = """
    import json, time, sys
    data = open(sys.argv[1], 'rb').read()
    samples = []
    for _ in range(int(sys.argv[2])):
        t = time.perf_counter(); obj = json.loads(data); out = json.dumps(obj); samples.append((time.perf_counter() - t) * 1000)
    samples.sort(); print(samples[len(samples) // 2])
    """
let python = Process()
python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
python.arguments = ["python3", "-c", script, path, String(max(5, iterations / 2))]
let pipe = Pipe()
python.standardOutput = pipe
try python.run()
python.waitUntilExit()
let pythonMs =
    Double(
        String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(
            in: .whitespacesAndNewlines)) ?? .nan
let version = Process()
version.executableURL = URL(fileURLWithPath: "/usr/bin/env")
version.arguments = ["python3", "--version"]
let vpipe = Pipe()
version.standardOutput = vpipe
try version.run()
version.waitUntilExit()
let pythonVersion = String(decoding: vpipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    .trimmingCharacters(in: .whitespacesAndNewlines)

let full_ = median(pipelineFull), hub_ = median(pipelineHub), fnd = median(foundation)
print(
    String(
        format: "jira-resilient full tier (validate + extract + splice + output + check): %7.1f ms  (%.1f MB out)",
        full_, Double(outputBytes) / 1e6))
print(String(format: "jira-resilient hub tier  (validate both + splice links + output + check):%7.1f ms", hub_))
print(String(format: "Foundation JSONSerialization parse + write:                      %7.1f ms", fnd))
print(String(format: "\(pythonVersion) json.loads + json.dumps:                       %7.1f ms", pythonMs))
let ratio = max(full_, hub_) / pythonMs
print(
    String(
        format: "ratio (slower of our two paths / CPython): %.3f — target < 0.200: %@", ratio,
        ratio < 0.2 ? "MET" : "NOT MET"))
