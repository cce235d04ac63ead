/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Description: the uapi layout never drifts: sizes, offsets, ioctl numbers. */
#include <stddef.h>
#include <sys/ioctl.h>

#include <linux/vfio_iopf.h>

#include "check-helpers.h"

#define ck_assert_layout(type, field, offset) \
	ck_assert_uint_eq(offsetof(type, field), (offset))

START_TEST(ring_offsets_layout)
{
	ck_assert_uint_eq(sizeof(struct vfio_iopf_ring_offsets), 40);
	ck_assert_layout(struct vfio_iopf_ring_offsets, producer, 0);
	ck_assert_layout(struct vfio_iopf_ring_offsets, consumer, 4);
	ck_assert_layout(struct vfio_iopf_ring_offsets, entries, 8);
	ck_assert_layout(struct vfio_iopf_ring_offsets, mask, 12);
	ck_assert_layout(struct vfio_iopf_ring_offsets, overflow, 16);
	ck_assert_layout(struct vfio_iopf_ring_offsets, flags, 20);
	ck_assert_layout(struct vfio_iopf_ring_offsets, records, 24);
	ck_assert_layout(struct vfio_iopf_ring_offsets, record_size, 28);
	ck_assert_layout(struct vfio_iopf_ring_offsets, mmap_size, 32);
}
END_TEST

START_TEST(fault_record_layout)
{
	/* One cache line per record. */
	ck_assert_uint_eq(sizeof(struct vfio_iopf_fault), 64);
	ck_assert_layout(struct vfio_iopf_fault, cookie, 0);
	ck_assert_layout(struct vfio_iopf_fault, iova, 8);
	ck_assert_layout(struct vfio_iopf_fault, dma_iova, 16);
	ck_assert_layout(struct vfio_iopf_fault, dma_size, 24);
	ck_assert_layout(struct vfio_iopf_fault, timestamp_ns, 32);
	ck_assert_layout(struct vfio_iopf_fault, perm, 40);
	ck_assert_layout(struct vfio_iopf_fault, flags, 44);
	ck_assert_layout(struct vfio_iopf_fault, dev_id, 48);
	ck_assert_layout(struct vfio_iopf_fault, pasid, 52);
	ck_assert_layout(struct vfio_iopf_fault, __reserved, 56);
}
END_TEST

START_TEST(enable_layout)
{
	ck_assert_uint_eq(sizeof(struct vfio_iommu_type1_enable_iopf), 64);
	ck_assert_layout(struct vfio_iommu_type1_enable_iopf, argsz, 0);
	ck_assert_layout(struct vfio_iommu_type1_enable_iopf, flags, 4);
	ck_assert_layout(struct vfio_iommu_type1_enable_iopf, ring_entries, 8);
	ck_assert_layout(struct vfio_iommu_type1_enable_iopf, __reserved, 12);
	ck_assert_layout(struct vfio_iommu_type1_enable_iopf, out_features, 16);
	ck_assert_layout(struct vfio_iommu_type1_enable_iopf, out_ndevices, 20);
	ck_assert_layout(struct vfio_iommu_type1_enable_iopf, out_ring, 24);
}
END_TEST

START_TEST(resolver_layout)
{
	ck_assert_uint_eq(sizeof(struct vfio_iopf_set_resolver), 16);
	ck_assert_layout(struct vfio_iopf_set_resolver, eventfd, 8);
	ck_assert_layout(struct vfio_iopf_set_resolver, timeout_ms, 12);
}
END_TEST

START_TEST(resolve_layout)
{
	ck_assert_uint_eq(sizeof(struct vfio_iopf_resolve_entry), 32);
	ck_assert_layout(struct vfio_iopf_resolve_entry, cookie, 0);
	ck_assert_layout(struct vfio_iopf_resolve_entry, map_iova, 8);
	ck_assert_layout(struct vfio_iopf_resolve_entry, map_size, 16);
	ck_assert_layout(struct vfio_iopf_resolve_entry, response, 24);
	ck_assert_layout(struct vfio_iopf_resolve_entry, out_result, 28);
	ck_assert_uint_eq(sizeof(struct vfio_iopf_resolve), 16);
	ck_assert_layout(struct vfio_iopf_resolve, count, 8);
	ck_assert_layout(struct vfio_iopf_resolve, out_done, 12);
	ck_assert_layout(struct vfio_iopf_resolve, entries, 16);
}
END_TEST

START_TEST(release_info_layout)
{
	ck_assert_uint_eq(sizeof(struct vfio_iopf_release), 32);
	ck_assert_layout(struct vfio_iopf_release, iova, 8);
	ck_assert_layout(struct vfio_iopf_release, size, 16);
	ck_assert_layout(struct vfio_iopf_release, out_released, 24);

	ck_assert_uint_eq(sizeof(struct vfio_iopf_info), 144);
	ck_assert_layout(struct vfio_iopf_info, out_faults, 8);
	ck_assert_layout(struct vfio_iopf_info, out_locked_pages, 64);
	ck_assert_layout(struct vfio_iopf_info, out_fallback_pages, 72);
	ck_assert_layout(struct vfio_iopf_info, out_ndevices, 76);
	ck_assert_layout(struct vfio_iopf_info, out_features, 80);
	ck_assert_layout(struct vfio_iopf_info, __reserved, 84);
	ck_assert_layout(struct vfio_iopf_info, out_ring, 88);
	ck_assert_layout(struct vfio_iopf_info, out_mapped_blocks, 128);
	ck_assert_layout(struct vfio_iopf_info, out_resolver_id, 136);

	ck_assert_uint_eq(sizeof(struct vfio_iopf_device_info), 48);
	ck_assert_layout(struct vfio_iopf_device_info, index, 8);
	ck_assert_layout(struct vfio_iopf_device_info, out_flags, 12);
	ck_assert_layout(struct vfio_iopf_device_info, out_name, 16);
}
END_TEST

/* Every struct must be a multiple of 8 so arrays and i386/x86-64 layouts agree. */
START_TEST(no_tail_padding)
{
	ck_assert_uint_eq(sizeof(struct vfio_iopf_ring_offsets) % 8, 0);
	ck_assert_uint_eq(sizeof(struct vfio_iopf_fault) % 8, 0);
	ck_assert_uint_eq(sizeof(struct vfio_iommu_type1_enable_iopf) % 8, 0);
	ck_assert_uint_eq(sizeof(struct vfio_iopf_resolve_entry) % 8, 0);
	ck_assert_uint_eq(sizeof(struct vfio_iopf_info) % 8, 0);
}
END_TEST

/*
 * 6.12 uses VFIO_BASE + 0 .. 21 on container, group and device fds, and
 * extensions 1 .. 10: ours must come after all of them and be distinct.
 */
START_TEST(ioctl_numbers)
{
	const unsigned long ours[] = {
		VFIO_IOMMU_ENABLE_IOPF, VFIO_IOPF_SET_RESOLVER, VFIO_IOPF_RESOLVE,
		VFIO_IOPF_RELEASE, VFIO_IOPF_INFO, VFIO_IOPF_DEVICE_INFO,
	};

	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
		ck_assert_uint_eq(_IOC_TYPE(ours[i]), VFIO_TYPE);
		ck_assert_uint_ge(_IOC_NR(ours[i]), VFIO_BASE + 22);
		ck_assert_uint_eq(_IOC_SIZE(ours[i]), 0);
		for (size_t j = 0; j < i; j++)
			ck_assert_uint_ne(ours[i], ours[j]);
	}
	ck_assert_uint_gt(VFIO_TYPE1_IOPF, VFIO_UPDATE_VADDR);
	/* The eager-pin flag must not reuse a MAP_DMA flag of 6.12. */
	ck_assert_uint_eq(VFIO_DMA_MAP_FLAG_PIN_EAGER &
			  (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE | VFIO_DMA_MAP_FLAG_VADDR), 0);
	ck_assert_uint_ne(VFIO_IOPF_RESPONSE_SUCCESS, VFIO_IOPF_RESPONSE_INVALID);
}
END_TEST

TEST_MAIN("abi", ring_offsets_layout, fault_record_layout, enable_layout, resolver_layout,
	  resolve_layout, release_info_layout, no_tail_padding, ioctl_numbers)
