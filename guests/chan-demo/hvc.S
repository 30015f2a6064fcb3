/* long tessera_hvc(fn, a1): a Tessera hypercall, always over HVC (the SMC
 * Calling Convention: x0 = function id, x1 = argument, x0 = result). */
	.text
	.globl	tessera_hvc
tessera_hvc:
	hvc	#0
	ret
