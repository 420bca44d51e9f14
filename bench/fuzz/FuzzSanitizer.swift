// libFuzzer target: the sanitiser every server text passes before a terminal.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSanitizer(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let clean = UntrustedText.sanitized(text)
    for scalar in clean.unicodeScalars {
        let v = scalar.value
        // No C0 control (ESC included), DEL, C1 control (CSI 0x9B, OSC 0x9D …) or bidi control survives.
        precondition(!(v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v)), "a control character survived: \(v)")
        precondition(![0x200E, 0x200F, 0x061C, 0xFEFF].contains(v) && !(0x202A...0x202E).contains(v) && !(0x2066...0x2069).contains(v),
                     "a bidi control survived: \(v)")
    }
    // Sanitising twice changes nothing, and the length is bounded.
    precondition(UntrustedText.sanitized(clean) == clean || clean.unicodeScalars.count > UntrustedText.defaultLimit)
    precondition(clean.unicodeScalars.count <= UntrustedText.defaultLimit * 12 + 1)
    return 0
}
