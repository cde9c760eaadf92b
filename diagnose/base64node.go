package diagnose

// decodeBase64Node decodes like Node's Buffer.from(s, "base64"): both alphabets, other
// characters skipped, stop at "=", trailing bits dropped. It is how a whsec_ secret is
// decoded by mistake with its prefix ("whsec_" are six valid characters to Node).
func decodeBase64Node(s string) []byte {
	var out []byte
	var acc uint32
	bits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var v int
		switch {
		case c >= 'A' && c <= 'Z':
			v = int(c - 'A')
		case c >= 'a' && c <= 'z':
			v = int(c-'a') + 26
		case c >= '0' && c <= '9':
			v = int(c-'0') + 52
		case c == '+' || c == '-':
			v = 62
		case c == '/' || c == '_':
			v = 63
		case c == '=':
			return out
		default:
			continue
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>bits))
		}
	}
	return out
}
