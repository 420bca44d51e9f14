// libFuzzer target: the validating JSON scanner, the search-page splitter and the splicer.
// Built by run.sh with the library's JSON sources; never part of the package build.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Validation never crashes; a valid document's root span covers it.
    if let document = try? JSONDocument(validating: bytes) {
        precondition(document.root.end <= bytes.count)
    }
    // A search page splits into issues that each parse again on their own.
    if let page = try? IssueJSON.parseSearchPage(bytes) {
        for issue in page.issues {
            guard let parsed = try? IssueJSON.parse(issue.bytes) else { preconditionFailure("an issue row did not parse alone") }
            precondition(parsed.summary.key == issue.summary.key && parsed.summary.id == issue.summary.id)
            // Splicing arrays into it yields valid JSON again.
            var assembler = IssueAssembler(base: issue.bytes)
            assembler.layout = issue.layout
            assembler.issueLinks = Array("[{\"id\":\"1\"}]".utf8)
            assembler.comments = [Array("{\"id\":\"c\"}".utf8)[...]]
            assembler.dropping = ["names", "schema"]
            if let out = try? assembler.assemble() {
                guard (try? JSONDocument(validating: out)) != nil else { preconditionFailure("the splicer produced invalid JSON") }
            }
        }
    }
    // A single issue object, as GET /issue answers.
    if let parsed = try? IssueJSON.parse(bytes) {
        var assembler = IssueAssembler(base: bytes)
        assembler.layout = parsed.layout
        assembler.histories = []
        if let out = try? assembler.assemble() {
            guard (try? JSONDocument(validating: out)) != nil else { preconditionFailure("the splicer produced invalid JSON") }
        }
    }
    return 0
}
