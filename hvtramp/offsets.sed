# Turn the "->LX_NAME value" markers of the compiled hvtramp/kbuild/offsets.c
# (.ascii lines of the .s) into #defines; a bare "->" is a blank line.
/^[[:space:]]*\.ascii[[:space:]]*"->"/{
	s/.*//
	p
	d
}
/^[[:space:]]*\.ascii[[:space:]]*"->LX_/{
	s/^[[:space:]]*\.ascii[[:space:]]*"->\(LX_[A-Za-z0-9_]*\) \(.*\)"[[:space:]]*\(!.*\)\{0,1\}$/#define \1 \2/
	s/\\"/"/g
	# asm "i" operands print signed: a negative value is a 64-bit pattern
	# (_PAGE_VALID is bit 63); -Null is its two's complement as unsigned.
	s/^\(#define LX_[A-Za-z0-9_]*\) -\([0-9][0-9]*\)$/\1 (-\2ull)/
	p
}
